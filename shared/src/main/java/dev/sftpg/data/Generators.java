package dev.sftpg.data;

/** Argument checks shared by the sources, so every source rejects bad counts with the same message. */
final class Generators {

    private Generators() {
    }

    /** A finite parameter that is >= 0 (or > 0 when {@code strictlyPositive}), else a message naming it. */
    static double requireParameter(double value, boolean strictlyPositive, String what) {
        boolean ok = Double.isFinite(value) && (strictlyPositive ? value > 0 : value >= 0);
        if (!ok) throw new IllegalArgumentException(what + " must be a finite number " + (strictlyPositive ? "> 0" : ">= 0") + ", got " + value);
        return value;
    }

    static void requireCount(int n) {
        if (n < 0) throw new IllegalArgumentException("cannot sample a negative number of points: " + n);
    }
}
