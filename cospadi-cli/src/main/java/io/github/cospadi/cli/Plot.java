package io.github.cospadi.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A small self-contained SVG line chart: one panel per metric, one line per method, γ on the x axis. */
final class Plot {
    private static final String[] METRICS = {"mean_cosine", "nn_unchanged", "mean_functional_error"};
    private static final String[] TITLES = {"mean cosine to original", "nearest neighbour unchanged", "mean functional error"};
    private static final Map<String, String> COLORS = Map.of("cospadi", "#1f77b4", "svd-llm", "#d62728");

    private Plot() {}

    /** The chart of the demo's rows under a title line (e.g. the model's name). */
    static String svg(List<Map<String, Object>> rows, String title) {
        final int panelW = 300, panelH = 220, pad = 50, top = 30, width = 3 * (panelW + pad) + pad, height = panelH + 2 * pad + 30 + top;
        final StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", pad, 24, escape(title)));
        for (int p = 0; p < METRICS.length; p++) {
            final String metric = METRICS[p];
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY;
            for (Map<String, Object> r : rows) {
                final double v = ((Number) r.get(metric)).doubleValue(), x = ((Number) r.get("ratio")).doubleValue();
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
                xlo = Math.min(xlo, x);
                xhi = Math.max(xhi, x);
            }
            final double margin = (hi - lo) * 0.1 + 1e-9;
            lo -= margin;
            hi += margin;
            final int x0 = pad + p * (panelW + pad), y0 = pad + top;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", x0, y0 - 15, TITLES[p]));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", x0, y0, panelW, panelH));
            for (int t = 0; t <= 4; t++) {
                final double v = lo + (hi - lo) * t / 4;
                final int y = y0 + panelH - (int) Math.round(panelH * t / 4.0);
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#555\">%.3f</text>%n", x0 - 4, y + 4, v));
            }
            for (Map<String, Object> r : rows) {
                final double x = ((Number) r.get("ratio")).doubleValue();
                final int px = x0 + (int) Math.round((x - xlo) / (xhi - xlo + 1e-12) * (panelW - 20)) + 10;
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%.1f</text>%n", px, y0 + panelH + 16, x));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">compression ratio γ</text>%n", x0 + panelW / 2, y0 + panelH + 34));
            for (String method : COLORS.keySet().stream().sorted().toArray(String[]::new)) {
                final StringBuilder pts = new StringBuilder();
                for (Map<String, Object> r : rows) {
                    if (!method.equals(r.get("method"))) continue;
                    final double x = ((Number) r.get("ratio")).doubleValue(), v = ((Number) r.get(metric)).doubleValue();
                    final int px = x0 + (int) Math.round((x - xlo) / (xhi - xlo + 1e-12) * (panelW - 20)) + 10;
                    final int py = y0 + panelH - (int) Math.round((v - lo) / (hi - lo) * panelH);
                    pts.append(px).append(',').append(py).append(' ');
                    b.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"%s\"/>%n", px, py, COLORS.get(method)));
                }
                b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", pts.toString().trim(), COLORS.get(method)));
            }
        }
        int lx = pad;
        for (String method : new String[]{"cospadi", "svd-llm"}) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    lx, height - 14, COLORS.get(method), lx + 20, height - 9, method.equals("cospadi") ? "CoSpaDi" : "SVD-LLM"));
            lx += 120;
        }
        return b.append("</svg>\n").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
