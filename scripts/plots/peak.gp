# peak.gp: per run of one workload, peak RSS (solid bar) next to the peak of
# live bytes the workload asked for (light bar): the gap is what the backend
# holds beyond what is live. Baselines' bars have dashed borders. Callers set: wl, out, sumfile (one row per run,
# in the order of runs/titles), runs, titles.
load dir . "/palette.gp"
n = words(runs)
set title wl . ": peak RSS (solid) next to peak live bytes (light)"
set ylabel "MiB"
set xrange [0.4:n + 0.6]
set yrange [0:*]
set xtics rotate by -30 left ()
do for [i = 1:n] { set xtics add (word(titles, i) i) }
set key off
set style fill solid 0.85 border lc rgb "black"
set boxwidth 0.38
plot for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i - 0.2):(column("peak_rss_bytes") / MiB) with boxes lc rgb color(word(runs, i)) \
		dt bar_dash(word(runs, i)) lw 1.5, \
	for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i + 0.2):(column("peak_live_bytes") / MiB) with boxes fs transparent solid 0.3 lc rgb color(word(runs, i)), \
	for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i - 0.2):(column("peak_rss_bytes") / MiB):(sprintf("%.0f", column("peak_rss_bytes") / MiB)) \
		with labels offset 0, 0.7 font ",9", \
	for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i + 0.2):(column("peak_live_bytes") / MiB):(sprintf("%.0f", column("peak_live_bytes") / MiB)) \
		with labels offset 0, 0.7 font ",9" tc rgb "#666666"
