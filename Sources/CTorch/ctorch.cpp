// The C ABI over libtorch. Every exported function runs its body inside CT_TRY, which turns any C++
// exception into an error code plus a per-thread message: an exception must never cross into Swift.
#include "ctorch.h"
#include "ctorch_internal.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstring>
#include <malloc.h>
#include <iterator>
#include <sstream>
#include <vector>

namespace {
thread_local std::string last_error;
}

void ct_internal_set_error(const char *message) { last_error = message; }

extern "C" {

const char *ct_last_error(void) { return last_error.c_str(); }

void ct_set_num_threads(int n) {
  try {
    at::set_num_threads(n);
  } catch (...) {
  }
}
int ct_get_num_threads(void) { return at::get_num_threads(); }
int ct_malloc_keep_freed_blocks(size_t trim_threshold) {
#ifdef __GLIBC__
  // No mmap for large blocks: they come from the heap and return to it when freed.
  if (mallopt(M_MMAP_MAX, 0) != 1) return 0;
  return mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) == 1 ? 1 : 0;
#else
  (void)trim_threshold;
  return 0;
#endif
}
int ct_cuda_is_available(void) {
  try {
    return torch::cuda::is_available() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}
int ct_cuda_device_count(void) {
  try {
    return (int)torch::cuda::device_count();
  } catch (...) {
    return 0;
  }
}
const char *ct_torch_version(void) { return TORCH_VERSION; }
void ct_manual_seed(uint64_t seed) {
  try {
    at::manual_seed(seed);
  } catch (...) {
  }
}

void ct_free(ct_tensor t) { delete unwrap(t); }

int ct_shallow_clone(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(*unwrap(t))); }
int ct_dim(ct_tensor t, int64_t *out) { CT_TRY(*out = unwrap(t)->dim()); }
int ct_sizes(ct_tensor t, int64_t *out) {
  CT_TRY(auto s = unwrap(t)->sizes(); std::copy(s.begin(), s.end(), out));
}
int ct_strides(ct_tensor t, int64_t *out) {
  CT_TRY(auto s = unwrap(t)->strides(); std::copy(s.begin(), s.end(), out));
}
int ct_scalar_type(ct_tensor t, int *out) { CT_TRY(*out = (int)unwrap(t)->scalar_type()); }
int ct_device(ct_tensor t, int *out) {
  CT_TRY(auto d = unwrap(t)->device(); *out = d.is_cuda() ? d.index() : -1);
}
int ct_numel(ct_tensor t, int64_t *out) { CT_TRY(*out = unwrap(t)->numel()); }
int ct_is_contiguous(ct_tensor t, int *out) { CT_TRY(*out = unwrap(t)->is_contiguous() ? 1 : 0); }
int ct_defined(ct_tensor t, int *out) { CT_TRY(*out = unwrap(t)->defined() ? 1 : 0); }
int ct_item_double(ct_tensor t, double *out) {
  CT_TRY(ct_internal_count_host_read(*unwrap(t)); *out = unwrap(t)->item<double>());
}
int ct_item_int64(ct_tensor t, int64_t *out) {
  CT_TRY(ct_internal_count_host_read(*unwrap(t)); *out = unwrap(t)->item<int64_t>());
}

int ct_copy_to_buffer(ct_tensor t, int dtype, void *dst, size_t nbytes) {
  CT_TRY({
    ct_internal_count_host_read(*unwrap(t));
    at::Tensor src = unwrap(t)->detach().to(at::kCPU, (at::ScalarType)dtype).contiguous();
    size_t need = (size_t)src.numel() * src.element_size();
    TORCH_CHECK(need == nbytes, "ct_copy_to_buffer: destination holds ", nbytes, " bytes, tensor needs ",
                need);
    if (need > 0) std::memcpy(dst, src.data_ptr(), need);
  });
}

int ct_data_ptr(ct_tensor t, void **out) {
  CT_TRY({
    at::Tensor &x = *unwrap(t);
    TORCH_CHECK(x.device().is_cpu() && x.is_contiguous(), "ct_data_ptr needs a contiguous CPU tensor");
    *out = x.data_ptr();
  });
}

int ct_to_string(ct_tensor t, char **out) {
  CT_TRY({
    std::ostringstream s;
    s << *unwrap(t);
    *out = strdup(s.str().c_str());
  });
}
void ct_free_string(char *s) { free(s); }

// ---------------------------------------------------------------------------------------------- creation

int ct_from_buffer(const void *data, const int64_t *dims, int ndim, int dtype, ct_tensor *out) {
  CT_TRY({
    auto opts = at::TensorOptions().dtype((at::ScalarType)dtype);
    at::Tensor x = at::empty(at::IntArrayRef(dims, ndim), opts);
    size_t n = (size_t)x.numel() * x.element_size();
    if (n > 0) std::memcpy(x.data_ptr(), data, n);
    *out = wrap(x);
  });
}

int ct_empty(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::empty(at::IntArrayRef(dims, ndim), options(dtype, device))));
}
int ct_zeros(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::zeros(at::IntArrayRef(dims, ndim), options(dtype, device))));
}
int ct_ones(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::ones(at::IntArrayRef(dims, ndim), options(dtype, device))));
}
int ct_full(const int64_t *dims, int ndim, double value, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::full(at::IntArrayRef(dims, ndim), value, options(dtype, device))));
}
int ct_scalar_tensor(double value, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::scalar_tensor(value, options(dtype, device))));
}
int ct_arange(double start, double end, double step, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::arange(start, end, step, options(dtype, device))));
}
int ct_linspace(double start, double end, int64_t steps, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::linspace(start, end, steps, options(dtype, device))));
}
int ct_eye(int64_t n, int dtype, int device, ct_tensor *out) {
  CT_TRY(*out = wrap(at::eye(n, options(dtype, device))));
}

// ---------------------------------------------------------------------------------------------- random

struct ct_generator_s {
  at::Generator gen;
};

// A per-thread stand-in for libtorch's process-wide default generator: draws that name no generator use it
// when set, so a seeded scope on one thread (model construction) is not disturbed by draws on others.
static thread_local ct_generator thread_generator = nullptr;

static c10::optional<at::Generator> gen_of(ct_generator g) {
  if (g != nullptr) return g->gen;
  if (thread_generator != nullptr) return thread_generator->gen;
  return c10::nullopt;
}

void ct_set_thread_generator(ct_generator g) { thread_generator = g; }
ct_generator ct_get_thread_generator(void) { return thread_generator; }

int ct_generator_new(uint64_t seed, ct_generator *out) {
  CT_TRY({
    auto g = at::make_generator<at::CPUGeneratorImpl>(seed);
    *out = new ct_generator_s{g};
  });
}
void ct_generator_free(ct_generator g) { delete g; }
int ct_generator_get_state(ct_generator g, ct_tensor *out) {
  CT_TRY({
    std::lock_guard<std::mutex> lock(g->gen.mutex());
    *out = wrap(g->gen.get_state());
  });
}
int ct_generator_set_state(ct_generator g, ct_tensor state) {
  CT_TRY({
    std::lock_guard<std::mutex> lock(g->gen.mutex());
    g->gen.set_state(*unwrap(state));
  });
}

// Random tensors are drawn on the CPU from the (CPU) generator and then moved, so that a seed gives the
// same numbers on every device.
int ct_rand(const int64_t *dims, int ndim, int dtype, int device, ct_generator g, ct_tensor *out) {
  CT_TRY(*out = wrap(at::rand(at::IntArrayRef(dims, ndim), gen_of(g), options(dtype, -1))
                         .to(options(dtype, device).device())));
}
int ct_randn(const int64_t *dims, int ndim, int dtype, int device, ct_generator g, ct_tensor *out) {
  CT_TRY(*out = wrap(at::randn(at::IntArrayRef(dims, ndim), gen_of(g), options(dtype, -1))
                         .to(options(dtype, device).device())));
}
int ct_randint(int64_t low, int64_t high, const int64_t *dims, int ndim, int device, ct_generator g,
               ct_tensor *out) {
  CT_TRY(*out = wrap(at::randint(low, high, at::IntArrayRef(dims, ndim), gen_of(g), options(CT_INT64, -1))
                         .to(options(CT_INT64, device).device())));
}
int ct_randperm(int64_t n, int device, ct_generator g, ct_tensor *out) {
  CT_TRY(*out = wrap(at::randperm(n, gen_of(g), options(CT_INT64, -1)).to(options(CT_INT64, device).device())));
}
int ct_uniform_(ct_tensor t, double low, double high, ct_generator g) {
  CT_TRY({
    at::NoGradGuard guard;
    at::Tensor &x = *unwrap(t);
    at::Tensor r = at::empty(x.sizes(), x.options().device(at::kCPU)).uniform_(low, high, gen_of(g));
    x.copy_(r);
  });
}
int ct_normal_(ct_tensor t, double mean, double std, ct_generator g) {
  CT_TRY({
    at::NoGradGuard guard;
    at::Tensor &x = *unwrap(t);
    at::Tensor r = at::empty(x.sizes(), x.options().device(at::kCPU)).normal_(mean, std, gen_of(g));
    x.copy_(r);
  });
}
int ct_multinomial(ct_tensor probs, int64_t n, int replacement, ct_generator g, ct_tensor *out) {
  CT_TRY(*out = wrap(at::multinomial(unwrap(probs)->to(at::kCPU), n, replacement != 0, gen_of(g))));
}
int ct_bernoulli(ct_tensor probs, ct_generator g, ct_tensor *out) {
  CT_TRY(*out = wrap(at::bernoulli(unwrap(probs)->to(at::kCPU), gen_of(g))));
}

// ---------------------------------------------------------------------------------------------- conversion

int ct_to(ct_tensor t, int dtype, int device, ct_tensor *out) {
  CT_TRY({
    if (device < 0 && !unwrap(t)->device().is_cpu()) ct_internal_count_host_read(*unwrap(t));
    *out = wrap(unwrap(t)->to(options(dtype, device).device(), (at::ScalarType)dtype));
  });
}
int ct_contiguous(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->contiguous())); }
int ct_clone(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->clone())); }

// ---------------------------------------------------------------------------------------------- elementwise

int ct_unary(ct_unary_op op, ct_tensor a, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &x = *unwrap(a);
    at::Tensor r;
    switch (op) {
    case CT_NEG: r = at::neg(x); break;
    case CT_ABS: r = at::abs(x); break;
    case CT_EXP: r = at::exp(x); break;
    case CT_LOG: r = at::log(x); break;
    case CT_SQRT: r = at::sqrt(x); break;
    case CT_RSQRT: r = at::rsqrt(x); break;
    case CT_SIGMOID: r = at::sigmoid(x); break;
    case CT_RELU: r = at::relu(x); break;
    case CT_TANH: r = at::tanh(x); break;
    case CT_FLOOR: r = at::floor(x); break;
    case CT_CEIL: r = at::ceil(x); break;
    case CT_ROUND: r = at::round(x); break;
    case CT_SIGN: r = at::sign(x); break;
    case CT_LOGICAL_NOT: r = at::logical_not(x); break;
    case CT_LOG1P: r = at::log1p(x); break;
    case CT_EXPM1: r = at::expm1(x); break;
    case CT_SIN: r = at::sin(x); break;
    case CT_COS: r = at::cos(x); break;
    case CT_RECIPROCAL: r = at::reciprocal(x); break;
    case CT_ISNAN: r = at::isnan(x); break;
    case CT_ISINF: r = at::isinf(x); break;
    case CT_ISFINITE: r = at::isfinite(x); break;
    case CT_LOG2: r = at::log2(x); break;
    case CT_TRUNC: r = at::trunc(x); break;
    case CT_SQUARE: r = at::square(x); break;
    case CT_LOGSIGMOID: r = at::log_sigmoid(x); break;
    default: TORCH_CHECK(false, "unknown unary op ", (int)op);
    }
    *out = wrap(r);
  });
}

static at::Tensor binary(ct_binary_op op, const at::Tensor &x, const at::Tensor &y) {
  switch (op) {
  case CT_ADD: return at::add(x, y);
  case CT_SUB: return at::sub(x, y);
  case CT_MUL: return at::mul(x, y);
  case CT_DIV: return at::div(x, y);
  case CT_POW: return at::pow(x, y);
  case CT_MAXIMUM: return at::maximum(x, y);
  case CT_MINIMUM: return at::minimum(x, y);
  case CT_EQ: return at::eq(x, y);
  case CT_NE: return at::ne(x, y);
  case CT_LT: return at::lt(x, y);
  case CT_LE: return at::le(x, y);
  case CT_GT: return at::gt(x, y);
  case CT_GE: return at::ge(x, y);
  case CT_LOGICAL_AND: return at::logical_and(x, y);
  case CT_LOGICAL_OR: return at::logical_or(x, y);
  case CT_REMAINDER: return at::remainder(x, y);
  case CT_FLOOR_DIVIDE: return at::div(x, y, "floor");
  case CT_ATAN2: return at::atan2(x, y);
  case CT_RSUB: return at::sub(y, x);
  }
  TORCH_CHECK(false, "unknown binary op ", (int)op);
}

int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out) {
  CT_TRY(*out = wrap(binary(op, *unwrap(a), *unwrap(b))));
}

int ct_binary_scalar(ct_binary_op op, ct_tensor a, double s, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &x = *unwrap(a);
    switch (op) {
    case CT_ADD: *out = wrap(at::add(x, s)); break;
    case CT_SUB: *out = wrap(at::sub(x, s)); break;
    case CT_MUL: *out = wrap(at::mul(x, s)); break;
    case CT_DIV: *out = wrap(at::div(x, s)); break;
    case CT_POW: *out = wrap(at::pow(x, s)); break;
    case CT_RSUB: *out = wrap(at::rsub(x, s)); break;
    default: {
      // A wrapped-number scalar tensor keeps the tensor's dtype under type promotion, as Python's do.
      at::Tensor y = at::scalar_tensor(s, at::TensorOptions().dtype(at::kDouble));
      y.unsafeGetTensorImpl()->set_wrapped_number(true);
      *out = wrap(binary(op, x, y));
      break;
    }
    }
  });
}

int ct_add_scaled(ct_tensor a, ct_tensor b, double alpha, ct_tensor *out) {
  CT_TRY(*out = wrap(at::add(*unwrap(a), *unwrap(b), alpha)));
}

int ct_clamp(ct_tensor a, double lo, double hi, int has_lo, int has_hi, ct_tensor *out) {
  CT_TRY({
    c10::optional<at::Scalar> l, h;
    if (has_lo) l = lo;
    if (has_hi) h = hi;
    *out = wrap(at::clamp(*unwrap(a), l, h));
  });
}
int ct_clamp_tensor(ct_tensor a, ct_tensor lo, ct_tensor hi, ct_tensor *out) {
  CT_TRY(*out = wrap(at::clamp(*unwrap(a), opt(lo), opt(hi))));
}
int ct_where(ct_tensor cond, ct_tensor a, ct_tensor b, ct_tensor *out) {
  CT_TRY(*out = wrap(at::where(*unwrap(cond), *unwrap(a), *unwrap(b))));
}
int ct_leaky_relu(ct_tensor a, double slope, ct_tensor *out) {
  CT_TRY(*out = wrap(at::leaky_relu(*unwrap(a), slope)));
}
int ct_gelu(ct_tensor a, ct_tensor *out) { CT_TRY(*out = wrap(at::gelu(*unwrap(a)))); }

// ---------------------------------------------------------------------------------------------- reductions

int ct_reduce(ct_reduce_op op, ct_tensor a, const int64_t *dims, int ndims, int keepdim, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &x = *unwrap(a);
    bool all = ndims == 0;
    at::IntArrayRef d(dims, ndims);
    bool k = keepdim != 0;
    at::Tensor r;
    switch (op) {
    case CT_SUM: r = all ? at::sum(x) : at::sum(x, d, k); break;
    case CT_MEAN: r = all ? at::mean(x) : at::mean(x, d, k); break;
    case CT_PROD:
      TORCH_CHECK(ndims <= 1, "prod reduces over one dimension at a time");
      r = all ? at::prod(x) : at::prod(x, dims[0], k);
      break;
    case CT_AMAX: r = all ? at::amax(x, at::IntArrayRef{}) : at::amax(x, d, k); break;
    case CT_AMIN: r = all ? at::amin(x, at::IntArrayRef{}) : at::amin(x, d, k); break;
    case CT_ALL:
      TORCH_CHECK(ndims <= 1, "all reduces over one dimension at a time");
      r = all ? at::all(x) : at::all(x, dims[0], k);
      break;
    case CT_ANY:
      TORCH_CHECK(ndims <= 1, "any reduces over one dimension at a time");
      r = all ? at::any(x) : at::any(x, dims[0], k);
      break;
    case CT_LOGSUMEXP: {
      std::vector<int64_t> every;
      for (int64_t i = 0; i < x.dim(); i++) every.push_back(i);
      r = at::logsumexp(x, all ? at::IntArrayRef(every) : d, k);
      break;
    }
    case CT_VAR: r = all ? at::var(x) : at::var(x, d, true, k); break;
    case CT_STD: r = all ? at::std(x) : at::std(x, d, true, k); break;
    case CT_NORM: r = all ? at::norm(x) : at::norm(x, 2, d, k); break;
    default: TORCH_CHECK(false, "unknown reduction ", (int)op);
    }
    *out = wrap(r);
  });
}

int ct_max_dim(ct_tensor a, int64_t dim, int keepdim, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = at::max(*unwrap(a), dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
int ct_min_dim(ct_tensor a, int64_t dim, int keepdim, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = at::min(*unwrap(a), dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
int ct_argmax(ct_tensor a, int64_t dim, int keepdim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::argmax(*unwrap(a), dim, keepdim != 0)));
}
int ct_argmin(ct_tensor a, int64_t dim, int keepdim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::argmin(*unwrap(a), dim, keepdim != 0)));
}
int ct_cumsum(ct_tensor a, int64_t dim, ct_tensor *out) { CT_TRY(*out = wrap(at::cumsum(*unwrap(a), dim))); }
int ct_cumprod(ct_tensor a, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::cumprod(*unwrap(a), dim)));
}
int ct_sort(ct_tensor a, int64_t dim, int descending, int stable, ct_tensor *values, ct_tensor *indices) {
  CT_TRY({
    auto r = at::sort(*unwrap(a), c10::optional<bool>(stable != 0), dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}
int ct_topk(ct_tensor a, int64_t k, int64_t dim, int largest, int sorted, ct_tensor *values,
            ct_tensor *indices) {
  CT_TRY({
    auto r = at::topk(*unwrap(a), k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}

// ---------------------------------------------------------------------------------------------- linear algebra

int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out) { CT_TRY(*out = wrap(at::matmul(*unwrap(a), *unwrap(b)))); }
int ct_linear(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor *out) {
  CT_TRY(*out = wrap(at::linear(*unwrap(x), *unwrap(w), opt(b))));
}

// ---------------------------------------------------------------------------------------------- nn functions

int ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
              const int64_t *dilation, int64_t groups, ct_tensor *out) {
  CT_TRY(*out = wrap(at::conv2d(*unwrap(x), *unwrap(w), opt(b), at::IntArrayRef(stride, 2),
                                at::IntArrayRef(padding, 2), at::IntArrayRef(dilation, 2), groups)));
}
int ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
                        const int64_t *output_padding, int64_t groups, const int64_t *dilation,
                        ct_tensor *out) {
  CT_TRY(*out = wrap(at::conv_transpose2d(*unwrap(x), *unwrap(w), opt(b), at::IntArrayRef(stride, 2),
                                          at::IntArrayRef(padding, 2), at::IntArrayRef(output_padding, 2),
                                          groups, at::IntArrayRef(dilation, 2))));
}
int ct_batch_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, ct_tensor running_mean, ct_tensor running_var,
                  int training, double momentum, double eps, ct_tensor *out) {
  CT_TRY(*out = wrap(at::batch_norm(*unwrap(x), opt(weight), opt(bias), opt(running_mean), opt(running_var),
                                    training != 0, momentum, eps, false)));
}
int ct_group_norm(ct_tensor x, int64_t groups, ct_tensor weight, ct_tensor bias, double eps, ct_tensor *out) {
  CT_TRY(*out = wrap(at::group_norm(*unwrap(x), groups, opt(weight), opt(bias), eps, false)));
}
int ct_layer_norm(ct_tensor x, const int64_t *shape, int nshape, ct_tensor weight, ct_tensor bias, double eps,
                  ct_tensor *out) {
  CT_TRY(*out = wrap(at::layer_norm(*unwrap(x), at::IntArrayRef(shape, nshape), opt(weight), opt(bias), eps,
                                    false)));
}
int ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  const int64_t *dilation, int ceil_mode, ct_tensor *out) {
  CT_TRY(*out = wrap(at::max_pool2d(*unwrap(x), at::IntArrayRef(kernel, 2), at::IntArrayRef(stride, 2),
                                    at::IntArrayRef(padding, 2), at::IntArrayRef(dilation, 2), ceil_mode != 0)));
}
int ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  ct_tensor *out) {
  CT_TRY(*out = wrap(at::avg_pool2d(*unwrap(x), at::IntArrayRef(kernel, 2), at::IntArrayRef(stride, 2),
                                    at::IntArrayRef(padding, 2))));
}
int ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *size, ct_tensor *out) {
  CT_TRY(*out = wrap(at::adaptive_avg_pool2d(*unwrap(x), at::IntArrayRef(size, 2))));
}
int ct_interpolate(ct_tensor x, const int64_t *size, const double *scale, int mode, int align_corners,
                   ct_tensor *out) {
  CT_TRY({
    c10::optional<at::IntArrayRef> s;
    if (size != nullptr) s = at::IntArrayRef(size, 2);
    c10::optional<at::ArrayRef<double>> f;
    if (scale != nullptr) f = at::ArrayRef<double>(scale, 2);
    if (mode == 0) {
      *out = wrap(at::upsample_nearest2d(*unwrap(x), s, f));
    } else {
      *out = wrap(at::upsample_bilinear2d(*unwrap(x), s, align_corners != 0, f));
    }
  });
}
int ct_softmax(ct_tensor x, int64_t dim, ct_tensor *out) { CT_TRY(*out = wrap(at::softmax(*unwrap(x), dim))); }
int ct_log_softmax(ct_tensor x, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::log_softmax(*unwrap(x), dim)));
}
int ct_dropout(ct_tensor x, double p, int training, ct_tensor *out) {
  CT_TRY(*out = wrap(at::dropout(*unwrap(x), p, training != 0)));
}
int ct_constant_pad(ct_tensor x, const int64_t *pad, int npad, double value, ct_tensor *out) {
  CT_TRY(*out = wrap(at::constant_pad_nd(*unwrap(x), at::IntArrayRef(pad, npad), value)));
}
int ct_one_hot(ct_tensor labels, int64_t num_classes, ct_tensor *out) {
  CT_TRY(*out = wrap(at::one_hot(*unwrap(labels), num_classes)));
}

// ---------------------------------------------------------------------------------------------- losses

int ct_bce_with_logits(ct_tensor x, ct_tensor target, ct_tensor weight, ct_tensor pos_weight, int reduction,
                       ct_tensor *out) {
  CT_TRY(*out = wrap(at::binary_cross_entropy_with_logits(*unwrap(x), *unwrap(target), opt(weight),
                                                          opt(pos_weight), reduction)));
}
int ct_cross_entropy(ct_tensor x, ct_tensor target, ct_tensor weight, int reduction, int64_t ignore_index,
                     double label_smoothing, ct_tensor *out) {
  CT_TRY(*out = wrap(at::cross_entropy_loss(*unwrap(x), *unwrap(target), opt(weight), reduction, ignore_index,
                                            label_smoothing)));
}
int ct_nll_loss(ct_tensor x, ct_tensor target, ct_tensor weight, int reduction, int64_t ignore_index,
                ct_tensor *out) {
  CT_TRY(*out = wrap(at::nll_loss_nd(*unwrap(x), *unwrap(target), opt(weight), reduction, ignore_index)));
}
int ct_smooth_l1_loss(ct_tensor x, ct_tensor target, int reduction, double beta, ct_tensor *out) {
  CT_TRY(*out = wrap(at::smooth_l1_loss(*unwrap(x), *unwrap(target), reduction, beta)));
}
int ct_l1_loss(ct_tensor x, ct_tensor target, int reduction, ct_tensor *out) {
  CT_TRY(*out = wrap(at::l1_loss(*unwrap(x), *unwrap(target), reduction)));
}
int ct_mse_loss(ct_tensor x, ct_tensor target, int reduction, ct_tensor *out) {
  CT_TRY(*out = wrap(at::mse_loss(*unwrap(x), *unwrap(target), reduction)));
}

// ---------------------------------------------------------------------------------------------- shapes

static std::vector<at::Tensor> tensors_of(const ct_tensor *ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(*unwrap(ts[i]));
  return v;
}

int ct_cat(const ct_tensor *ts, int n, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::cat(tensors_of(ts, n), dim)));
}
int ct_stack(const ct_tensor *ts, int n, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::stack(tensors_of(ts, n), dim)));
}
int ct_split_with_sizes(ct_tensor t, const int64_t *sizes, int n_sizes, int64_t dim, ct_tensor *outs) {
  CT_TRY({
    auto parts = at::split_with_sizes(*unwrap(t), at::IntArrayRef(sizes, n_sizes), dim);
    for (size_t i = 0; i < parts.size(); i++) outs[i] = wrap(parts[i]);
  });
}
int ct_view(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->view(at::IntArrayRef(dims, ndim))));
}
int ct_reshape(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->reshape(at::IntArrayRef(dims, ndim))));
}
int ct_permute(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->permute(at::IntArrayRef(dims, ndim))));
}
int ct_transpose(ct_tensor t, int64_t d0, int64_t d1, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->transpose(d0, d1)));
}
int ct_expand(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->expand(at::IntArrayRef(dims, ndim))));
}
int ct_repeat(ct_tensor t, const int64_t *repeats, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->repeat(at::IntArrayRef(repeats, ndim))));
}
int ct_repeat_interleave(ct_tensor t, int64_t repeats, int64_t dim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::repeat_interleave(*unwrap(t), repeats, dim)));
}
int ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->squeeze(dim))); }
int ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->unsqueeze(dim))); }
int ct_flatten(ct_tensor t, int64_t start, int64_t end, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->flatten(start, end)));
}
int ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->narrow(dim, start, length)));
}
int ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->slice(dim, start, end, step)));
}
int ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out) {
  CT_TRY(*out = wrap(unwrap(t)->select(dim, index)));
}
int ct_flip(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out) {
  CT_TRY(*out = wrap(at::flip(*unwrap(t), at::IntArrayRef(dims, ndim))));
}
int ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) {
  CT_TRY(*out = wrap(at::index_select(*unwrap(t), dim, *unwrap(index))));
}
int ct_index(ct_tensor t, ct_tensor index, ct_tensor *out) {
  CT_TRY({
    c10::List<c10::optional<at::Tensor>> idx;
    idx.push_back(*unwrap(index));
    *out = wrap(at::index(*unwrap(t), idx));
  });
}
int ct_index_put_(ct_tensor t, ct_tensor index, ct_tensor values, int accumulate) {
  CT_TRY({
    c10::List<c10::optional<at::Tensor>> idx;
    idx.push_back(*unwrap(index));
    unwrap(t)->index_put_(idx, *unwrap(values), accumulate != 0);
  });
}
int ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out) {
  CT_TRY(*out = wrap(at::gather(*unwrap(t), dim, *unwrap(index))));
}
int ct_scatter(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out) {
  CT_TRY(*out = wrap(at::scatter(*unwrap(t), dim, *unwrap(index), *unwrap(src))));
}
int ct_scatter_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out) {
  CT_TRY(*out = wrap(at::scatter_add(*unwrap(t), dim, *unwrap(index), *unwrap(src))));
}
int ct_index_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out) {
  CT_TRY(*out = wrap(at::index_add(*unwrap(t), dim, *unwrap(index), *unwrap(src))));
}
int ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out) {
  CT_TRY(*out = wrap(at::masked_fill(*unwrap(t), *unwrap(mask), value)));
}
int ct_masked_select(ct_tensor t, ct_tensor mask, ct_tensor *out) {
  CT_TRY(*out = wrap(at::masked_select(*unwrap(t), *unwrap(mask))));
}
int ct_nonzero(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(at::nonzero(*unwrap(t)))); }
int ct_tril(ct_tensor t, int64_t diagonal, ct_tensor *out) { CT_TRY(*out = wrap(at::tril(*unwrap(t), diagonal))); }
int ct_triu(ct_tensor t, int64_t diagonal, ct_tensor *out) { CT_TRY(*out = wrap(at::triu(*unwrap(t), diagonal))); }
int ct_bincount(ct_tensor t, ct_tensor weights, int64_t minlength, ct_tensor *out) {
  CT_TRY(*out = wrap(at::bincount(*unwrap(t), opt(weights), minlength)));
}
int ct_unique(ct_tensor t, int sorted, ct_tensor *out) {
  CT_TRY(*out = wrap(std::get<0>(at::_unique2(*unwrap(t), sorted != 0, false, false))));
}
int ct_meshgrid_ij(ct_tensor a, ct_tensor b, ct_tensor *out_a, ct_tensor *out_b) {
  CT_TRY({
    auto g = at::meshgrid({*unwrap(a), *unwrap(b)}, "ij");
    *out_a = wrap(g[0]);
    *out_b = wrap(g[1]);
  });
}

// ---------------------------------------------------------------------------------------------- in place

int ct_copy_(ct_tensor dst, ct_tensor src) { CT_TRY(unwrap(dst)->copy_(*unwrap(src))); }
int ct_zero_(ct_tensor t) { CT_TRY(unwrap(t)->zero_()); }
int ct_fill_(ct_tensor t, double value) { CT_TRY(unwrap(t)->fill_(value)); }
int ct_add_(ct_tensor t, ct_tensor other, double alpha) {
  CT_TRY({
    at::Tensor &x = *unwrap(t);
    // libtorch rejects a floating alpha for integral tensors (step counters, num_batches_tracked).
    if (at::isIntegralType(x.scalar_type(), true)) {
      x.add_(*unwrap(other), (int64_t)alpha);
    } else {
      x.add_(*unwrap(other), alpha);
    }
  });
}
int ct_relu_(ct_tensor t) { CT_TRY(at::relu_(*unwrap(t))); }
int ct_mul_scalar_(ct_tensor t, double s) { CT_TRY(unwrap(t)->mul_(s)); }
int ct_mul_(ct_tensor t, ct_tensor other) { CT_TRY(unwrap(t)->mul_(*unwrap(other))); }
int ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value) {
  CT_TRY(unwrap(t)->addcmul_(*unwrap(a), *unwrap(b), value));
}
int ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value) {
  CT_TRY(unwrap(t)->addcdiv_(*unwrap(a), *unwrap(b), value));
}
int ct_clamp_(ct_tensor t, double lo, double hi) { CT_TRY(unwrap(t)->clamp_(lo, hi)); }

// ---------------------------------------------------------------------------------------------- autograd

int ct_set_requires_grad(ct_tensor t, int requires_grad) { CT_TRY(unwrap(t)->requires_grad_(requires_grad != 0)); }
int ct_requires_grad(ct_tensor t, int *out) { CT_TRY(*out = unwrap(t)->requires_grad() ? 1 : 0); }
int ct_is_leaf(ct_tensor t, int *out) { CT_TRY(*out = unwrap(t)->is_leaf() ? 1 : 0); }
int ct_backward(ct_tensor t, ct_tensor gradient, int retain_graph) {
  CT_TRY(unwrap(t)->backward(gradient == nullptr ? at::Tensor() : *unwrap(gradient),
                             c10::optional<bool>(retain_graph != 0), false));
}
int ct_grad(const ct_tensor *outputs, const ct_tensor *grad_outputs, int n_outputs, const ct_tensor *inputs,
            int n_inputs, int retain_graph, int create_graph, ct_tensor *grads) {
  CT_TRY({
    std::vector<at::Tensor> outs = tensors_of(outputs, n_outputs);
    std::vector<at::Tensor> gouts;
    if (grad_outputs != nullptr) gouts = tensors_of(grad_outputs, n_outputs);
    std::vector<at::Tensor> ins = tensors_of(inputs, n_inputs);
    auto r = torch::autograd::grad(outs, ins, gouts, c10::optional<bool>(retain_graph != 0), create_graph != 0,
                                   true);
    for (int i = 0; i < n_inputs; i++) grads[i] = r[i].defined() ? wrap(r[i]) : nullptr;
  });
}
int ct_get_grad(ct_tensor t, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &g = unwrap(t)->grad();
    *out = g.defined() ? wrap(g) : nullptr;
  });
}
int ct_set_grad(ct_tensor t, ct_tensor grad) {
  CT_TRY(unwrap(t)->mutable_grad() = grad == nullptr ? at::Tensor() : *unwrap(grad));
}
int ct_zero_grad(ct_tensor t) {
  CT_TRY({
    at::Tensor &g = unwrap(t)->mutable_grad();
    if (g.defined()) g = at::Tensor();
  });
}
int ct_detach(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->detach())); }
int ct_grad_mode_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }
void ct_set_grad_mode(int enabled) { c10::GradMode::set_enabled(enabled != 0); }

int ct_clip_grad_norm(const ct_tensor *params, int n, double max_norm, double norm_type, double *total_norm) {
  CT_TRY({
    at::NoGradGuard guard;
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; i++) {
      const at::Tensor &g = unwrap(params[i])->grad();
      if (g.defined()) grads.push_back(g);
    }
    if (grads.empty()) {
      *total_norm = 0;
    } else {
      std::vector<at::Tensor> norms;
      for (auto &g : grads) norms.push_back(at::norm(g, norm_type));
      at::Tensor joint = at::norm(at::stack(norms), norm_type);
      ct_internal_count_host_read(joint);
      double total = joint.item<double>();
      *total_norm = total;
      double coef = max_norm / (total + 1e-6);
      if (coef < 1) {
        for (auto &g : grads) g.mul_(coef);
      }
    }
  });
}

} // extern "C"
