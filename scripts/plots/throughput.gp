# throughput.gp: ops per second of every run of one workload (higher is
# faster; an op is the workload's unit of work, see results/README.md).
# Callers set as for peak.gp.
load dir . "/palette.gp"
n = words(runs)
set title wl . ": throughput (higher is faster)"
set ylabel "throughput (million ops/s)"
set xrange [0.4:n + 0.6]
set yrange [0:*]
set xtics rotate by -30 left ()
do for [i = 1:n] { set xtics add (word(titles, i) i) }
set key off
set style fill solid 0.85 border lc rgb "black"
set boxwidth 0.6
plot for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i):(column("ops_per_s") / 1e6) with boxes lc rgb color(word(runs, i)) \
		dt bar_dash(word(runs, i)) lw 1.5, \
	for [i = 1:n] sumfile every ::(i - 1)::(i - 1) \
		using (i):(column("ops_per_s") / 1e6):(sprintf("%.3g", column("ops_per_s") / 1e6)) \
		with labels offset 0, 0.7 font ",9"
