package org.l3ha.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/** PNG charts drawn with java.awt on a headless image. */
final class Charts {
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    private Charts() {
    }

    /** Grouped bars: req/s by concurrency, one bar per (client, side): the floor, l3ha and Neutron. */
    static void throughput(List<EndpointLoad.Row> rows, Path png) throws IOException {
        List<Integer> concs = rows.stream().map(EndpointLoad.Row::concurrency).distinct().sorted().toList();
        List<String> series = new ArrayList<>();
        for (EndpointLoad.Row r : rows) {
            String s = r.side() + " (" + r.client() + ")";
            if (!series.contains(s)) {
                series.add(s);
            }
        }
        double max = rows.stream().mapToDouble(EndpointLoad.Row::reqPerS).max().orElse(1);
        int w = 900, h = 520, left = 80, right = 20, top = 50, bottom = 90;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, "Endpoint throughput: the floor, l3ha and Neutron's endpoint (LoadGen, " + rows.get(0).requests()
                + " requests, " + rows.get(0).routers() + " routers)");
        double yMax = niceCeil(max);
        int plotH = h - top - bottom, plotW = w - left - right;
        axesY(g, left, top, plotW, plotH, yMax, "req/s");
        int groupW = plotW / concs.size();
        int barW = Math.max(4, (groupW - 30) / series.size());
        for (int ci = 0; ci < concs.size(); ci++) {
            int gx = left + ci * groupW + 15;
            for (int si = 0; si < series.size(); si++) {
                String s = series.get(si);
                int c = concs.get(ci);
                double v = rows.stream().filter(r -> r.concurrency() == c && (r.side() + " (" + r.client() + ")").equals(s))
                        .mapToDouble(EndpointLoad.Row::reqPerS).findFirst().orElse(0);
                int bh = (int) Math.round(v / yMax * plotH);
                g.setColor(PALETTE[si % PALETTE.length]);
                g.fillRect(gx + si * barW, top + plotH - bh, barW - 2, bh);
                g.setColor(Color.DARK_GRAY);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                String label = String.format("%.0f", v);
                g.drawString(label, gx + si * barW, top + plotH - bh - 3);
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString("c = " + concs.get(ci), gx + groupW / 2 - 30, top + plotH + 18);
        }
        legend(g, series, left, h - 50);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    /**
     * Routers reported vs time since the first notification, one line per warm l3ha phase (advert 0
     * solid, others dashed); Neutron's completion as markers.
     */
    static void timeline(List<MassFailover.L3haRun> runs, List<MassFailover.NeutronPhase> neutron, MassFailover.FloorAccept floor,
            Path png) throws IOException {
        int w = 1000, h = 560, left = 80, right = 20, top = 50, bottom = 110;
        int routers = runs.isEmpty() ? neutron.get(0).routers() : runs.get(0).routers();
        double xMax = 1;
        for (MassFailover.L3haRun r : runs) {
            for (MassFailover.L3haPhase p : r.phases()) {
                xMax = Math.max(xMax, p.seconds() + 0.5);
            }
        }
        for (MassFailover.NeutronPhase p : neutron) {
            xMax = Math.max(xMax, p.seconds() + 0.5);
        }
        if (floor != null) {
            xMax = Math.max(xMax, Report.ACCEPT_FACTOR * floor.median() + 0.1);
        }
        xMax = niceCeil(xMax);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, "Mass failover of " + routers + " routers (l3ha warm): routers reported with the new state vs time"
                + " since the first notification");
        int plotH = h - top - bottom, plotW = w - left - right;
        axesY(g, left, top, plotW, plotH, routers, "routers");
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 10; i++) {
            double x = xMax * i / 10;
            int px = left + (int) (plotW * i / 10.0);
            g.setColor(Color.LIGHT_GRAY);
            g.drawLine(px, top, px, top + plotH);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.1f", x), px - 8, top + plotH + 15);
        }
        g.drawString("seconds since the first notification (lines: l3ha warm phases, journal; x: Neutron's path, last router in an RPC)",
                left + 120, top + plotH + 32);
        if (floor != null) {
            // the floor's accept time and the advert-0 target (1.5 × it): vertical lines
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {3, 3}, 0));
            double[] xs = {floor.median(), Report.ACCEPT_FACTOR * floor.median()};
            String[] labels = {"floor accepts all", "advert-0 target"};
            for (int i = 0; i < xs.length; i++) {
                int px = left + (int) Math.round(xs[i] / xMax * plotW);
                g.setColor(Color.GRAY);
                g.drawLine(px, top, px, top + plotH);
                g.drawString(labels[i], px + 3, top + 12 + 12 * i);
            }
        }
        List<String> series = new ArrayList<>();
        int si = 0;
        for (MassFailover.L3haRun r : runs) {
            for (MassFailover.L3haPhase p : r.phases()) {
                Color c = PALETTE[si % PALETTE.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(p.state().equals("backup") ? 1.5f : 2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND,
                        10, r.advertInt() == 0 ? null : new float[] {8, 4}, 0));
                int px0 = left, py0 = top + plotH;
                for (long[] pt : p.timeline()) {
                    // step: the count changes at the batch's time
                    int px = left + (int) Math.round(Math.max(0, pt[0]) / 1000.0 / xMax * plotW);
                    int py = top + plotH - (int) Math.round(pt[1] / (double) routers * plotH);
                    g.drawLine(px0, py0, px, py0);
                    g.drawLine(px, py0, px, py);
                    px0 = px;
                    py0 = py;
                }
                series.add("l3ha warm adv " + r.advertInt() + " ph" + p.phase() + " " + p.state());
                for (MassFailover.NeutronPhase np : neutron) {
                    if (np.advertInt() == r.advertInt() && np.phase() == p.phase()) {
                        int px = left + (int) Math.round(np.seconds() / xMax * plotW);
                        g.setStroke(new BasicStroke(2.5f));
                        int my = top + 6 + 9 * si;
                        g.drawLine(px - 5, my - 5, px + 5, my + 5);
                        g.drawLine(px - 5, my + 5, px + 5, my - 5);
                    }
                }
                si++;
            }
        }
        g.setStroke(new BasicStroke(1));
        legend(g, series, left, h - 60);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 20, 25);
        return g;
    }

    private static void axesY(Graphics2D g, int left, int top, int plotW, int plotH, double yMax, String label) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 5; i++) {
            int py = top + plotH - plotH * i / 5;
            g.setColor(Color.LIGHT_GRAY);
            g.drawLine(left, py, left + plotW, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.0f", yMax * i / 5), 10, py + 4);
        }
        g.drawLine(left, top, left, top + plotH);
        g.drawLine(left, top + plotH, left + plotW, top + plotH);
        g.drawString(label, 10, top - 8);
    }

    private static void legend(Graphics2D g, List<String> series, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int cx = x, cy = y;
        for (int i = 0; i < series.size(); i++) {
            if (cx > 800) {
                cx = x;
                cy += 18;
            }
            g.setColor(PALETTE[i % PALETTE.length]);
            g.fillRect(cx, cy - 9, 12, 10);
            g.setColor(Color.BLACK);
            g.drawString(series.get(i), cx + 16, cy);
            cx += 16 + g.getFontMetrics().stringWidth(series.get(i)) + 20;
        }
    }

    static double niceCeil(double v) {
        double mag = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1e-9))));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= v) {
                return m * mag;
            }
        }
        return 10 * mag;
    }
}
