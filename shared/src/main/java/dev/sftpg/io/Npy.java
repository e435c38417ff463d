package dev.sftpg.io;

import dev.sftpg.data.Samples;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Samples as a NumPy {@code .npy} file (format 1.0, little-endian float32, shape {@code [n] + sample shape}), so any
 * tool can score them: {@code numpy.load("samples.npy")}.
 */
public final class Npy {
    private Npy() {
    }

    public static void write(Path out, Samples samples) throws IOException {
        StringBuilder shape = new StringBuilder("(").append(samples.n());
        for (int d : samples.shape().dims()) shape.append(", ").append(d);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape.append(")") + ", }";
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer data = ByteBuffer.allocate(samples.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(samples.values());
        AtomicFiles.write(out, os -> {
            DataOutputStream d = new DataOutputStream(os);
            d.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            byte[] h = header.getBytes(StandardCharsets.US_ASCII);
            d.write(h.length & 0xFF);
            d.write((h.length >> 8) & 0xFF);
            d.write(h);
            d.write(data.array());
            d.flush();
        });
    }
}
