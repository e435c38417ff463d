package dev.sftpg.data;

/** Argument checks shared by the sources, so every source rejects bad counts with the same message. */
final class Generators {

    private Generators() {
    }

    static void requireCount(int n) {
        if (n < 0) throw new IllegalArgumentException("cannot sample a negative number of points: " + n);
    }
}
