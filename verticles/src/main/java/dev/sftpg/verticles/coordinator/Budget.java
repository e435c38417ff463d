package dev.sftpg.verticles.coordinator;

/** The run's budget: wall-clock minutes and policy updates, both totals over resumes. */
public final class Budget {
    private final double maxMinutes;
    private final int maxGeneratorSteps;

    public Budget(double maxMinutes, int maxGeneratorSteps) {
        this.maxMinutes = maxMinutes;
        this.maxGeneratorSteps = maxGeneratorSteps;
    }

    /** Why the run must stop now, or null while budget is left. */
    public String exhausted(double elapsedSeconds, long policyVersion) {
        if (elapsedSeconds >= maxMinutes * 60) return "time budget reached";
        if (maxGeneratorSteps > 0 && policyVersion >= maxGeneratorSteps) return "generator step budget reached";
        return null;
    }
}
