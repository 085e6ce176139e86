# serialize.gp: what serialization costs each backend: write and load speed
# (left; solid write, light load) and bytes on disk next to the bytes the
# region held (right). Callers (scripts/report) set: dir, out, datafile
# (columns label, backend, write_mb_s, load_mb_s, disk_mib, region_mib; one
# row per run, in the order of runs), runs, titles (label with its method).
load dir . "/palette.gp"
n = words(runs)
set multiplot layout 1, 2 title "serialize: a region's graph to a file and back in a new process"
set xrange [0.4:n + 0.6]
set yrange [0:*]
set xtics rotate by -30 left ()
do for [i = 1:n] { set xtics add (word(titles, i) i) }
set key off
set style fill solid 0.85 border -1
set boxwidth 0.38
set title "speed: write (solid), load (light)"
set ylabel "MB/s (10^6 bytes of file per second)"
plot for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"write_mb_s" with boxes lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i + 0.2):"load_mb_s" with boxes fs transparent solid 0.3 lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"write_mb_s":(sprintf("%.0f", column("write_mb_s"))) with labels offset 0, 0.7 font ",9", \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i + 0.2):"load_mb_s":(sprintf("%.0f", column("load_mb_s"))) with labels offset 0, 0.7 font ",9"
set title "size: on disk (solid), in the region (light)"
set ylabel "MiB"
plot for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"disk_mib" with boxes lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i + 0.2):"region_mib" with boxes fs transparent solid 0.3 lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"disk_mib":(sprintf("%.1f", column("disk_mib"))) with labels offset 0, 0.7 font ",9"
unset multiplot
