# capacity.gp: how far each backend grew in the capacity workload: total
# bytes allocated (left) and regions alive at once (right), each with the
# workload's ceiling as a dashed line. Callers (scripts/report) set: dir,
# out, datafile (columns label, backend, max_total_gib, max_live_regions,
# ceiling_gib, ceiling_regions; one row per run, in the order of runs),
# runs (backend per row), titles (label per row).
load dir . "/palette.gp"
n = words(runs)
set multiplot layout 1, 2 title "capacity: how far each backend grows before a limit stops it"
set xrange [0.4:n + 0.6]
set yrange [0:*]
set xtics rotate by -30 left ()
do for [i = 1:n] { set xtics add (word(titles, i) i) }
set key off
set style fill solid 0.85 border -1
set boxwidth 0.6
set title "total bytes allocated"
set ylabel "GiB"
plot for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i):"max_total_gib" with boxes lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i):"max_total_gib":(sprintf("%.1f", column("max_total_gib"))) \
		with labels offset 0, 0.7 font ",9", \
	datafile every ::0::0 using (0.4):"ceiling_gib":(n + 0.2):(0) \
		with vectors nohead dt 2 lc rgb "#888888"
set title "regions alive at once"
set ylabel "regions"
plot for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i):"max_live_regions" with boxes lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i):"max_live_regions":(sprintf("%.0f", column("max_live_regions"))) \
		with labels offset 0, 0.7 font ",9", \
	datafile every ::0::0 using (0.4):"ceiling_regions":(n + 0.2):(0) \
		with vectors nohead dt 2 lc rgb "#888888"
unset multiplot
