package io.github.cospadi.calibration;

final class IdentityWhitening implements Whitening {
    static final IdentityWhitening INSTANCE = new IdentityWhitening();

    private IdentityWhitening() {}

    @Override
    public WhiteningFactor factor(CalibrationStats stats) {
        return WhiteningFactor.identity(stats.inFeatures());
    }

    @Override
    public String name() {
        return "identity";
    }
}
