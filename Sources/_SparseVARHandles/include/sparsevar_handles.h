/*
 * The opaque handle types of the C API.
 *
 * Swift needs a nominal C type for each handle so that the generated header spells
 * `sparsevar_var *` rather than `void *`. The member is never read: a handle points at a
 * Swift object, and scripts/generate_header.py turns each struct into an incomplete type.
 */
#ifndef SPARSEVAR_HANDLES_H
#define SPARSEVAR_HANDLES_H

/** A sparse VAR model: parameters, and after a fit its coefficients. */
typedef struct sparsevar_var { char opaque_; } sparsevar_var;

/** A LARS-lasso path: knots, coefficients at each knot, and the final active set. */
typedef struct sparsevar_lars_path { char opaque_; } sparsevar_lars_path;

/** A set of fitted VARs with group labels, for the swap and influence tests. */
typedef struct sparsevar_var_set { char opaque_; } sparsevar_var_set;

/** Runs of video frames of one field of view, cropped, downscaled and stored compactly. */
typedef struct sparsevar_dataset { char opaque_; } sparsevar_dataset;

/** The result of a group test: statistic, p-values, sample sizes, Delta matrix. */
typedef struct sparsevar_test_result { char opaque_; } sparsevar_test_result;

/** The autoencoder with its embedded sparse VAR: parameters, trained weights, per-run analysis. */
typedef struct sparsevar_autoencoder { char opaque_; } sparsevar_autoencoder;

/** A seeded synthetic two-photon experiment with known ground truth, generated run by run. */
typedef struct sparsevar_synthetic { char opaque_; } sparsevar_synthetic;

#endif
