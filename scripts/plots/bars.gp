# bars.gp: bar charts, one panel or several side by side. Each bar is a row
# of its panel's data file (columns x, value, lo, hi, rgb, light, text,
# texty): a solid bar (light=0) or a light one (light=1) at x, the median
# value, a min-max error bar where lo and hi are set, and the text at texty.
# Callers set: n (panels), title, and per panel k: datafile_k, title_k,
# ylabel_k, xmax_k, tics_k ('name' x, ...), boxwidth_k, ymax_k (0:
# automatic), note_k (what a clipped axis cut, or ""), ref_k (a reference
# line's value, or -1) and reflabel_k (what that line is).
load dir . "/palette.gp"
set style fill solid 0.85 border lc rgb "black"
set key off
set xtics rotate by -30 left
if (n > 1) { set multiplot layout 1, n title title } else { set title title }
do for [k = 1:n] {
	d = value("datafile_" . k)
	if (n > 1) { set title value("title_" . k) }
	set ylabel value("ylabel_" . k)
	set xrange [0.4:value("xmax_" . k) + 0.6]
	eval("set xtics (" . value("tics_" . k) . ")")
	set boxwidth value("boxwidth_" . k) absolute
	ymax = value("ymax_" . k)
	if (ymax > 0) { set yrange [0:ymax] } else { set yrange [0:*] }
	unset label
	unset arrow
	if (value("note_" . k) ne "") {
		set label 1 value("note_" . k) at graph 0.99, graph 0.97 right font ",9" tc rgb "#aa0000"
	}
	ref = value("ref_" . k)
	if (ref >= 0) {
		set arrow 2 from graph 0, first ref to graph 1, first ref nohead dt 2 lw 1.5 lc rgb "#555555"
		set label 3 value("reflabel_" . k) at graph 0.01, first ref offset 0, 0.7 font ",9" tc rgb "#555555"
	}
	plot d using "x":(column("light") == 0 ? column("value") : NaN):"rgb" \
			with boxes lc rgb variable, \
		d using "x":(column("light") == 1 ? column("value") : NaN):"rgb" \
			with boxes fs transparent solid 0.3 lc rgb variable, \
		d using "x":"value":"lo":"hi" with yerrorbars lc rgb "black" pt 7 ps 0.3 lw 1.2, \
		d using "x":"texty":"text" with labels offset 0, 0.8 font ",9"
}
if (n > 1) { unset multiplot }
