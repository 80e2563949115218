package dev.panagrad.nn.data;

import dev.panagrad.nn.io.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Downloads a file to a temporary name beside its target, checking its MD5 on the way, and renames it
 * into place only when complete and correct: an interrupted or corrupt download never leaves a file
 * that looks finished.
 */
public final class Downloader {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private Downloader() {
    }

    /** Told how many bytes have arrived; {@code total} is -1 when the server did not say. */
    @FunctionalInterface
    public interface Progress {
        void update(long bytes, long total);

        /** No output. */
        Progress NONE = (bytes, total) -> { };
    }

    /** A one-line text progress bar, redrawn in place at most every 100 ms. */
    public static Progress consoleBar(String label, PrintStream out) {
        return new Progress() {
            private long lastDraw;

            @Override
            public void update(long bytes, long total) {
                long now = System.nanoTime();
                boolean finished = total > 0 && bytes >= total;
                if (!finished && now - lastDraw < 100_000_000L) {
                    return;
                }
                lastDraw = now;
                int width = 30;
                int filled = total > 0 ? (int) (width * bytes / total) : 0;
                String bar = "#".repeat(filled) + " ".repeat(width - filled);
                String pct = total > 0 ? String.format("%3d%%", 100 * bytes / total) : "   ?";
                out.printf("\r%s [%s] %s %.1f/%s MB", label, bar, pct, bytes / 1e6, total > 0 ? String.format("%.1f", total / 1e6) : "?");
                if (finished) {
                    out.println();
                }
                out.flush();
            }
        };
    }

    /**
     * Fetches {@code uri} into {@code target}.
     *
     * @param md5 expected MD5 in hexadecimal; the download is discarded if it differs
     * @throws IOException on network errors, HTTP errors or a checksum mismatch, naming the address
     */
    public static void download(URI uri, Path target, String md5, Progress progress) throws IOException {
        AtomicFile.write(target, out -> {
            HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new IOException("cannot reach " + uri + ": " + (e.getMessage() != null ? e.getMessage()
                        : e.getClass().getSimpleName() + " (no network here?)"), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + uri + " was interrupted", e);
            }
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("download of " + uri + " failed: HTTP " + response.statusCode());
            }
            long total = response.headers().firstValueAsLong("content-length").orElse(-1);
            MessageDigest digest = md5Digest();
            try (InputStream in = response.body()) {
                byte[] buf = new byte[1 << 16];
                long bytes = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    digest.update(buf, 0, n);
                    bytes += n;
                    progress.update(bytes, total);
                }
                if (total >= 0 && bytes != total) {
                    throw new IOException("download of " + uri + " ended after " + bytes + " of " + total + " bytes");
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(md5)) {
                throw new IOException("download of " + uri + ": MD5 is " + actual + ", expected " + md5
                        + "; the file was discarded");
            }
        });
    }

    /** Checks a local file's MD5. */
    public static void verify(Path file, String md5) throws IOException {
        MessageDigest digest = md5Digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                digest.update(buf, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equalsIgnoreCase(md5)) {
            throw new IOException(file + ": MD5 is " + actual + ", expected " + md5 + " (corrupt or a different file)");
        }
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
