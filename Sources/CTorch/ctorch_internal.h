// Shared helpers of the CTorch translation units (not part of the public C header).
#ifndef CTORCH_INTERNAL_H
#define CTORCH_INTERNAL_H

#include "ctorch.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <exception>

void ct_internal_set_error(const char *message);
// Counts a read of tensor data by the host (devices.cpp): on a CUDA tensor it waits for the device.
void ct_internal_count_host_read(const at::Tensor &t);

struct ct_tensor_s {};

inline at::Tensor *unwrap(ct_tensor t) { return reinterpret_cast<at::Tensor *>(t); }
inline ct_tensor wrap(const at::Tensor &t) { return reinterpret_cast<ct_tensor>(new at::Tensor(t)); }
inline c10::optional<at::Tensor> opt(ct_tensor t) {
  if (t == nullptr) return c10::nullopt;
  return *unwrap(t);
}
inline at::TensorOptions options(int dtype, int device) {
  auto o = at::TensorOptions().dtype((at::ScalarType)dtype);
  return device < 0 ? o.device(at::kCPU) : o.device(at::Device(at::kCUDA, (c10::DeviceIndex)device));
}

// Runs a body, returning 0, or 1 with the message of whatever it threw.
#define CT_TRY(...)                                                                                          \
  try {                                                                                                      \
    __VA_ARGS__;                                                                                             \
    return 0;                                                                                                \
  } catch (const c10::Error &e) {                                                                            \
    ct_internal_set_error(e.what_without_backtrace());                                                      \
    return 1;                                                                                                \
  } catch (const std::exception &e) {                                                                        \
    ct_internal_set_error(e.what());                                                                         \
    return 1;                                                                                                \
  } catch (...) {                                                                                            \
    ct_internal_set_error("unknown C++ exception");                                                          \
    return 1;                                                                                                \
  }

#endif
