package io.github.cospadi.models.bert;

/**
 * erf(x) in double via the complementary error function's Chebyshev fit (Numerical Recipes, erfcc: fractional error
 * below 1.2e-7 everywhere), ample for float32 GELU.
 */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        final double z = Math.abs(x);
        final double t = 1 / (1 + 0.5 * z);
        final double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
