# faults.gp: minor page faults over the work done (counted from the start of
# the run), every run of one workload overlaid. Callers set as for rss.gp.
load dir . "/palette.gp"
set title wl . ": minor page faults over the run"
set xlabel "work done (%)"
set ylabel "minor page faults (thousands)"
set xrange [0:100]
set yrange [0:*]
set key outside right top
plot for [i = 1:words(files)] word(files, i) using "done_pct":(column("minor_faults") / 1000.0) \
	with linespoints lw 2 lc rgb color(word(runs, i)) dt dash(word(runs, i), int(word(pidx, i))) \
	pt ptype(int(word(pidx, i))) ps psize(int(word(pidx, i))) pi 40 \
	title word(titles, i)
