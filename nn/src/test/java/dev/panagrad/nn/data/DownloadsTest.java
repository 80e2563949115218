package dev.panagrad.nn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Download, verification and extraction against a server on loopback that serves archives the test builds. */
class DownloadsTest {
    @TempDir
    Path dir;
    private HttpServer server;
    private byte[] archive;

    @BeforeEach
    void serve() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("cifar-100-binary/train.bin", DataFiles.cifar100(new int[] {1, 2}, new int[] {3, 4}));
        files.put("cifar-100-binary/test.bin", DataFiles.cifar100(new int[] {5}, new int[] {6}));
        archive = DataFiles.tarGz(files);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-100-binary.tar.gz", ex -> {
            ex.sendResponseHeaders(200, archive.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(archive);
            }
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void downloadsVerifiesExtractsAndReads() throws Exception {
        DatasetSources.Remote remote = new DatasetSources.Remote("cifar-100-binary.tar.gz", uri("/cifar-100-binary.tar.gz"),
                md5(archive));
        long[] seen = new long[2];
        Path folder = DatasetSources.ensureExtracted(dir.resolve("cifar-100-binary"), List.of("train.bin", "test.bin"),
                remote, (bytes, total) -> {
                    seen[0] = bytes;
                    seen[1] = total;
                });
        assertThat(seen).containsExactly(archive.length, archive.length);
        DatasetSplit split = CifarReader.loadCifar100(folder);
        assertThat(split.train().size()).isEqualTo(2);
        assertThat(split.test().label(0)).isEqualTo(6);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aChecksumMismatchLeavesNothingBehind() {
        Path target = dir.resolve("x.tar.gz");
        assertThatThrownBy(() -> Downloader.download(uri("/cifar-100-binary.tar.gz"), target,
                "00000000000000000000000000000000", Downloader.Progress.NONE))
                .hasMessageContaining("MD5 is").hasMessageContaining("expected 00000000000000000000000000000000; the file was discarded");
        assertThat(target).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void httpErrorsAreReported() {
        assertThatThrownBy(() -> Downloader.download(uri("/missing"), dir.resolve("m"), "x", Downloader.Progress.NONE))
                .hasMessageEndingWith("failed: HTTP 404");
    }

    @Test
    void offlineTheErrorSaysWhereToPutTheFiles() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        DatasetSources.Remote remote = new DatasetSources.Remote("cifar-100-binary.tar.gz",
                URI.create("http://127.0.0.1:" + closedPort + "/cifar-100-binary.tar.gz"), "abc");
        Path folder = dir.resolve("cifar-100-binary");
        assertThatThrownBy(() -> DatasetSources.ensureExtracted(folder, List.of("train.bin"), remote, Downloader.Progress.NONE))
                .isInstanceOf(DatasetUnavailableException.class)
                .hasMessageContaining("dataset not found in " + folder)
                .hasMessageContaining("cannot reach http://127.0.0.1:" + closedPort)
                .hasMessageContaining("by hand and put it at " + dir.toAbsolutePath().resolve("cifar-100-binary.tar.gz"));
    }

    @Test
    void anArchivePlacedByHandIsVerifiedAndExtracted() throws Exception {
        DataFiles.write(dir.resolve("cifar-100-binary.tar.gz"), archive);
        DatasetSources.Remote remote = new DatasetSources.Remote("cifar-100-binary.tar.gz", URI.create("http://unused.invalid/"),
                md5(archive));
        DatasetSources.ensureExtracted(dir.resolve("cifar-100-binary"), List.of("train.bin", "test.bin"), remote,
                Downloader.Progress.NONE);
        assertThat(dir.resolve("cifar-100-binary/train.bin")).exists();
    }

    @Test
    void aCorruptArchivePlacedByHandIsRejected() throws Exception {
        byte[] bad = archive.clone();
        bad[bad.length / 2] ^= 1;
        DataFiles.write(dir.resolve("cifar-100-binary.tar.gz"), bad);
        DatasetSources.Remote remote = new DatasetSources.Remote("cifar-100-binary.tar.gz", URI.create("http://unused.invalid/"),
                md5(archive));
        assertThatThrownBy(() -> DatasetSources.ensureExtracted(dir.resolve("cifar-100-binary"), List.of("train.bin"), remote,
                Downloader.Progress.NONE))
                .isInstanceOf(DatasetUnavailableException.class).hasMessageContaining("corrupt or a different file");
        assertThat(dir.resolve("cifar-100-binary/train.bin")).doesNotExist();
    }

    @Test
    void tarEntriesOutsideTheTargetAreRefused() throws Exception {
        Path evil = DataFiles.write(dir.resolve("evil.tar.gz"), DataFiles.tarGz(Map.of("../escape.txt", new byte[] {1})));
        assertThatThrownBy(() -> TarGz.extract(evil, dir.resolve("out")))
                .hasMessageContaining("entry '../escape.txt' points outside");
        assertThat(dir.resolve("escape.txt")).doesNotExist();
    }

    @Test
    void longNamesFromGnuAndPaxEntriesNameTheFileThatFollows() throws Exception {
        String gnu = "cifar-100-binary/" + "g".repeat(120) + ".bin";
        String pax = "cifar-100-binary/" + "p".repeat(130) + ".bin";
        byte[] paxRecord = paxRecord("path", pax);
        Path archive = DataFiles.write(dir.resolve("long.tar.gz"), DataFiles.tarGz(List.of(
                new DataFiles.TarEntry("././@LongLink", 'L', (gnu + "\0").getBytes(StandardCharsets.UTF_8)),
                new DataFiles.TarEntry(gnu, '0', new byte[] {1, 2}),
                new DataFiles.TarEntry("PaxHeaders/x", 'x', concat(paxRecord("mtime", "1700000000.5"), paxRecord)),
                new DataFiles.TarEntry(pax, '0', new byte[] {3}),
                new DataFiles.TarEntry("short.bin", '0', new byte[] {4}))));

        List<Path> written = TarGz.extract(archive, dir.resolve("out"));

        assertThat(written).extracting(p -> dir.resolve("out").toAbsolutePath().normalize().relativize(p).toString())
                .containsExactly(gnu, pax, "short.bin");
        assertThat(Files.readAllBytes(dir.resolve("out").resolve(gnu))).containsExactly(1, 2);
        assertThat(Files.readAllBytes(dir.resolve("out").resolve(pax))).containsExactly(3);
    }

    /** One pax record, "LEN key=value\n", where LEN counts the whole record with its own digits. */
    private static byte[] paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.length() + 1;
        while (String.valueOf(length).length() + body.length() != length) {
            length++;
        }
        return (length + body).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private List<Path> leftovers() {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
