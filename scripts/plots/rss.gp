# rss.gp: resident memory over the work done, every run of one workload
# overlaid. Callers set: wl, out, files, runs (backend per file), pidx
# (policy place per file), titles (label per file).
load dir . "/palette.gp"
set title wl . ": resident memory (RSS) over the run"
set xlabel "work done (%)"
set ylabel "RSS (MiB)"
set xrange [0:100]
set yrange [0:*]
set key outside right top
plot for [i = 1:words(files)] word(files, i) using "done_pct":(column("rss_bytes") / MiB) \
	with linespoints lw 2 lc rgb color(word(runs, i)) dt dash(word(runs, i), int(word(pidx, i))) \
	pt ptype(int(word(pidx, i))) ps psize(int(word(pidx, i))) pi 40 \
	title word(titles, i)
