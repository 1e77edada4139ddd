// Devices other than the CPU, without a single CUDA header (so that one build runs with any CUDA variant of
// its libtorch version): counting the reads that make the host wait for a device, pinned host memory and
// non-blocking copies, and torchvision's C++ operators (RoIAlign, NMS; CPU and CUDA kernels with autograd)
// called through libtorch's dispatcher once torchvision's `_C.so` has been loaded (Swift dlopens it).
#include "ctorch.h"
#include "ctorch_internal.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/stack.h>

#include <dlfcn.h>


namespace {
// Per thread: a training step's reads are those of the thread running it, whatever loader threads or other
// tests do meanwhile.
thread_local int64_t host_reads = 0;
thread_local int64_t device_host_reads = 0;

// The dispatcher's handle of an operator, or an error naming it (the library that registers it is not loaded).
c10::OperatorHandle operator_named(const char *name) {
  auto handle = c10::Dispatcher::singleton().findSchema({name, ""});
  TORCH_CHECK(handle.has_value(), name, " is not registered: torchvision's operator library is not loaded");
  return *handle;
}
} // namespace

void ct_internal_count_host_read(const at::Tensor &t) {
  host_reads++;
  if (!t.device().is_cpu()) device_host_reads++;
}

extern "C" {

int64_t ct_host_read_count(void) { return host_reads; }
int64_t ct_device_host_read_count(void) { return device_host_reads; }

int ct_pin_memory(ct_tensor t, ct_tensor *out) { CT_TRY(*out = wrap(unwrap(t)->pin_memory())); }

int ct_to_non_blocking(ct_tensor t, int device, ct_tensor *out) {
  CT_TRY({
    const at::Tensor &x = *unwrap(t);
    *out = wrap(x.to(options((int)x.scalar_type(), device).device(), x.scalar_type(), /*non_blocking=*/true));
  });
}

int ct_set_allow_tf32(int allow) {
  CT_TRY({
    at::globalContext().setAllowTF32CuDNN(allow != 0);
    at::globalContext().setAllowTF32CuBLAS(allow != 0);
  });
}

int ct_torch_library_path(char **out) {
  CT_TRY({
    Dl_info info;
    // Any function defined in libtorch_cpu (not inline in a header) locates the library.
    TORCH_CHECK(dladdr(reinterpret_cast<void *>(&at::get_num_threads), &info) != 0 && info.dli_fname != nullptr,
                "dladdr found no library for at::get_num_threads");
    *out = strdup(info.dli_fname);
  });
}

int ct_has_operator(const char *name) {
  try {
    return c10::Dispatcher::singleton().findSchema({name, ""}).has_value() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// Boxed calls: they accept `int` where newer schemas say `SymInt`, so one build serves torchvision 0.14 to 0.26.
int ct_torchvision_roi_align(ct_tensor input, ct_tensor rois, double spatial_scale, int64_t pooled_h,
                             int64_t pooled_w, int64_t sampling_ratio, int aligned, ct_tensor *out) {
  CT_TRY({
    static const c10::OperatorHandle op = operator_named("torchvision::roi_align");
    torch::jit::Stack stack{*unwrap(input), *unwrap(rois), spatial_scale, pooled_h, pooled_w, sampling_ratio,
                            aligned != 0};
    op.callBoxed(&stack);
    *out = wrap(stack.at(0).toTensor());
  });
}

int ct_torchvision_nms(ct_tensor boxes, ct_tensor scores, double iou_threshold, ct_tensor *out) {
  CT_TRY({
    static const c10::OperatorHandle op = operator_named("torchvision::nms");
    torch::jit::Stack stack{*unwrap(boxes), *unwrap(scores), iou_threshold};
    op.callBoxed(&stack);
    *out = wrap(stack.at(0).toTensor());
  });
}

} // extern "C"
