# lines.gp: line figures, one panel or a grid of small multiples. A line is
# a data file with columns x and y; its band file (columns x, lo, hi; no
# rows for no band) shades the spread of the repetitions around it. Callers
# set: n (panels), cols (panels per row), title, xlabel, ylabel, xlog and
# ylog (0 or 1), and per panel k: title_k, ylabel_k, ymax_k (0: automatic), note_k
# (what a clipped axis cut, or "", shown under the title) and, one word per line, files_k, bands_k,
# colors_k, dashes_k (gnuplot dash types), points_k (point types), pis_k (a
# point every N samples: different N keep coinciding lines' markers apart)
# and titles_k (quoted where they hold spaces). xtics: "" or the x tics as
# 'label' x, ... (sweeps mark their points).
load dir . "/palette.gp"
# A log axis gets room beside its end points; a linear one ends at the data.
if (xlog) { set logscale x; set offsets graph 0.02, graph 0.02, 0, 0 } else { set autoscale xfix }
if (ylog) { set logscale y }
if (xtics ne "") { eval("set xtics (" . xtics . ")") }
set xlabel xlabel
if (n > 1) { set key inside left top font ",8" } else { set key outside right top font ",9" }
if (n > 1) {
	rows = int((n + cols - 1) / cols)
	set multiplot layout rows, cols title title
}
do for [k = 1:n] {
	# A clipped axis says so under the panel's title, clear of the key.
	t1 = (n > 1 ? value("title_" . k) : title)
	set title (value("note_" . k) ne "" ? t1 . "\n(" . value("note_" . k) . ")" : t1)
	set ylabel value("ylabel_" . k)
	ymax = value("ymax_" . k)
	if (ymax > 0) { if (ylog) { set yrange [*:ymax] } else { set yrange [0:ymax] } } \
	else { if (ylog) { set yrange [*:*] } else { set yrange [0:*] } }
	f = value("files_" . k); b = value("bands_" . k); c = value("colors_" . k)
	dt = value("dashes_" . k); pt = value("points_" . k); t = value("titles_" . k); pis = value("pis_" . k)
	# A crowded panel keeps its key beside the plot, off the lines.
	if (n > 1) { if (words(f) > 8) { set key outside right top font ",7" } else { set key inside left top font ",8" } }
	plot for [i = 1:words(f)] word(b, i) using "x":"lo":"hi" \
			with filledcurves fs transparent solid 0.18 noborder lc rgb word(c, i) notitle, \
		for [i = 1:words(f)] word(f, i) using "x":"y" with linespoints lw 2 lc rgb word(c, i) \
			dt int(word(dt, i)) pt int(word(pt, i)) ps 1 pi int(word(pis, i)) title word(t, i)
}
if (n > 1) { unset multiplot }
