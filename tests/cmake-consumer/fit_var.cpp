// fit_var.cpp - a C++ consumer of the installed library through find_package(sparsevar).
//
// Simulates a three-dimensional VAR(1) with one off-diagonal connection (latent 0 drives latent 2),
// fits it and checks that the connection is found and the version of the loaded library is the
// header's. Exit status 0 on success.
#include <sparsevar.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

namespace {

struct VarDeleter {
  void operator()(sparsevar_var *var) const { sparsevar_var_free(var); }
};

int fail(const char *what, int32_t status) {
  std::fprintf(stderr, "fit_var: %s: %s: %s\n", what, sparsevar_errstr(status),
               sparsevar_last_error());
  return 1;
}

}  // namespace

int main() {
  if (std::strcmp(sparsevar_version_string(), SPARSEVAR_VERSION_STRING) != 0) {
    std::fprintf(stderr, "fit_var: library %s, header %s\n", sparsevar_version_string(),
                 SPARSEVAR_VERSION_STRING);
    return 1;
  }

  const int64_t T = 600, K = 3;
  const double a[K][K] = {{0.5, 0.0, 0.0}, {0.0, 0.5, 0.0}, {0.7, 0.0, 0.3}};
  std::mt19937_64 random(14);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> z(T * K, 0.0);
  for (int64_t t = 1; t < T; t++)
    for (int64_t j = 0; j < K; j++) {
      double value = noise(random);
      for (int64_t l = 0; l < K; l++) value += a[j][l] * z[(t - 1) * K + l];
      z[t * K + j] = value;
    }

  sparsevar_var *raw = nullptr;
  int32_t status = sparsevar_var_create(&raw);
  if (status != SPARSEVAR_OK) return fail("create", status);
  std::unique_ptr<sparsevar_var, VarDeleter> var(raw);
  sparsevar_var_set_param(var.get(), SPARSEVAR_VAR_PARAM_LAG, 1);
  sparsevar_var_set_param(var.get(), SPARSEVAR_VAR_PARAM_LAMBDA, 0.05);
  status = sparsevar_var_fit_f64(var.get(), z.data(), T, K, nullptr, nullptr);
  if (status != SPARSEVAR_OK) return fail("fit", status);

  std::vector<double> coef(K * K);
  status = sparsevar_var_coef(var.get(), coef.data(), K * K);
  if (status != SPARSEVAR_OK) return fail("coef", status);

  // The strongest off-diagonal coefficient must be A[2][0], and clearly non-zero.
  int64_t best_j = -1, best_l = -1;
  double best = 0.0;
  for (int64_t j = 0; j < K; j++)
    for (int64_t l = 0; l < K; l++)
      if (j != l && std::fabs(coef[j * K + l]) > best) {
        best = std::fabs(coef[j * K + l]);
        best_j = j;
        best_l = l;
      }
  std::printf("sparsevar %s: strongest connection %lld -> %lld (%.3f)\n",
              sparsevar_version_string(), static_cast<long long>(best_l),
              static_cast<long long>(best_j), coef[best_j * K + best_l]);
  if (best_j != 2 || best_l != 0 || best < 0.3) {
    std::fprintf(stderr, "fit_var: expected the connection 0 -> 2\n");
    return 1;
  }
  return 0;
}
