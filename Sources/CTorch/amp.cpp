// Mixed precision: the calling thread's autocast state and GradScaler's two fused updates.
//
// Autocast is thread-local in libtorch (a dispatch key in the thread's local key set plus per-device-type
// flags), so these calls act on the thread that makes them: the one that runs the forward pass.
//
// The only libtorch version difference of this file sits in the four autocast_* helpers below: 1.13 has one
// flag and one dtype per device type under their own names (set_cpu_enabled, set_autocast_cpu_dtype, ...);
// 2.4 and later have the device-generic set_autocast_enabled(device_type, ...) and deprecate the old names.
#include "ctorch.h"
#include "ctorch_internal.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/version.h>

#include <vector>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define CT_AUTOCAST_DEVICE_GENERIC 1
#else
#define CT_AUTOCAST_DEVICE_GENERIC 0
#endif

namespace {

#if CT_AUTOCAST_DEVICE_GENERIC
bool autocast_enabled(at::DeviceType t) { return at::autocast::is_autocast_enabled(t); }
void autocast_set_enabled(at::DeviceType t, bool on) { at::autocast::set_autocast_enabled(t, on); }
at::ScalarType autocast_dtype(at::DeviceType t) { return at::autocast::get_autocast_dtype(t); }
void autocast_set_dtype(at::DeviceType t, at::ScalarType d) { at::autocast::set_autocast_dtype(t, d); }
#else
bool autocast_enabled(at::DeviceType t) {
  return t == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
void autocast_set_enabled(at::DeviceType t, bool on) {
  if (t == at::kCPU) at::autocast::set_cpu_enabled(on);
  else at::autocast::set_enabled(on);
}
at::ScalarType autocast_dtype(at::DeviceType t) {
  return t == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void autocast_set_dtype(at::DeviceType t, at::ScalarType d) {
  if (t == at::kCPU) at::autocast::set_autocast_cpu_dtype(d);
  else at::autocast::set_autocast_gpu_dtype(d);
}
#endif

// Whether `op` has a kernel of its own for the tensors' device (ATen's amp kernels are CUDA-only in 1.13;
// later versions add CPU ones). Asked of the dispatcher rather than the version number.
bool has_kernel(const char *op, const at::Tensor &t) {
  auto handle = c10::Dispatcher::singleton().findSchema({op, ""});
  if (!handle) return false;
  auto key = t.is_cuda() ? c10::DispatchKey::CUDA : c10::DispatchKey::CPU;
  return handle->hasKernelForDispatchKey(key);
}

} // namespace

extern "C" {

int ct_autocast_get(ct_autocast_state *out) {
  CT_TRY({
    out->cpu_enabled = autocast_enabled(at::kCPU) ? 1 : 0;
    out->cuda_enabled = autocast_enabled(at::kCUDA) ? 1 : 0;
    out->cpu_dtype = (int)autocast_dtype(at::kCPU);
    out->cuda_dtype = (int)autocast_dtype(at::kCUDA);
  })
}

int ct_autocast_set(const ct_autocast_state *state) {
  CT_TRY({
    autocast_set_dtype(at::kCPU, (at::ScalarType)state->cpu_dtype);
    autocast_set_dtype(at::kCUDA, (at::ScalarType)state->cuda_dtype);
    autocast_set_enabled(at::kCPU, state->cpu_enabled != 0);
    autocast_set_enabled(at::kCUDA, state->cuda_enabled != 0);
  })
}

int ct_autocast_increment_nesting(void) { return at::autocast::increment_nesting(); }

int ct_autocast_decrement_nesting(void) {
  int depth = at::autocast::decrement_nesting();
  // As torch.autocast's __exit__: the casts cached for the weights live until the outermost region ends.
  if (depth == 0) at::autocast::clear_cache();
  return depth;
}

int ct_amp_unscale_(ct_tensor *grads, int64_t n, ct_tensor found_inf, ct_tensor inv_scale) {
  CT_TRY({
    std::vector<at::Tensor> g;
    g.reserve((size_t)n);
    for (int64_t i = 0; i < n; i++) g.push_back(*unwrap(grads[i]));
    at::Tensor &found = *unwrap(found_inf);
    const at::Tensor &inv = *unwrap(inv_scale);
    if (g.empty()) return 0;
    at::NoGradGuard no_grad;
    if (has_kernel("aten::_amp_foreach_non_finite_check_and_unscale_", found)) {
      at::_amp_foreach_non_finite_check_and_unscale_(g, found, inv);
    } else {
      // The kernel's arithmetic (AmpKernels.cu): found_inf becomes 1 if any element is inf or NaN, and every
      // element is multiplied by inv_scale (in the gradient's own dtype), non-finite ones included. Composed
      // of ATen ops that stay on the device: no host read per gradient.
      for (auto &t : g) {
        found.copy_(at::maximum(found, t.isfinite().logical_not().any().to(found.scalar_type()).reshape(found.sizes())));
        t.mul_(inv.to(t.scalar_type()));
      }
    }
  })
}

int ct_amp_update_scale_(ct_tensor scale, ct_tensor growth_tracker, ct_tensor found_inf, double growth_factor,
                         double backoff_factor, int64_t growth_interval) {
  CT_TRY({
    at::Tensor &s = *unwrap(scale);
    at::Tensor &tracker = *unwrap(growth_tracker);
    const at::Tensor &found = *unwrap(found_inf);
    at::NoGradGuard no_grad;
    if (has_kernel("aten::_amp_update_scale_", s)) {
      at::_amp_update_scale_(s, tracker, found, growth_factor, backoff_factor, growth_interval);
    } else {
      // The kernel's rule (AmpKernels.cu, amp_update_scale_cuda_kernel), on the device: an inf/NaN step
      // multiplies the scale by backoff_factor and resets the count of clean steps; a clean step counts, and
      // the growth_interval-th in a row multiplies the scale by growth_factor (unless that overflows to inf)
      // and resets the count.
      // The kernel multiplies the float scale by the double factor in double and rounds the product to float
      // once; a float32 product would round differently for factors that are not powers of two.
      auto inf = found.gt(0);
      auto successful = tracker + 1;
      auto grow = inf.logical_not().logical_and(successful.eq(growth_interval));
      auto wide = s.to(at::kDouble);
      auto grown = (wide * growth_factor).to(s.scalar_type());
      auto backed_off = (wide * backoff_factor).to(s.scalar_type());
      auto take_grown = grow.logical_and(grown.isfinite());
      auto next = at::where(inf, backed_off, at::where(take_grown, grown, s));
      auto next_tracker = at::where(inf.logical_or(grow), at::zeros_like(successful), successful);
      s.copy_(next);
      tracker.copy_(next_tracker);
    }
  })
}

} // extern "C"
