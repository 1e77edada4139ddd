/*
 * CTorch: a thin C ABI over libtorch (ATen + autograd) and the native kernels LTDet needs.
 *
 * Conventions (shape of tch-rs's torch_api.h):
 * - every tensor is an opaque owning handle (`ct_tensor`), released with ct_free;
 * - every function returns 0 on success and non-zero on failure; the failure's message (libtorch's own,
 *   without the C++ backtrace) is kept per thread and read with ct_last_error();
 * - results come back through out-pointers; nothing here decides policy, that is Swift's job.
 * Plain C so that Swift imports it without C++ interoperability: an escaping C++ exception would abort.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_s *ct_tensor;
typedef struct ct_generator_s *ct_generator;

/* Scalar types use c10::ScalarType's numbering. */
enum {
  CT_UINT8 = 0, CT_INT8 = 1, CT_INT16 = 2, CT_INT32 = 3, CT_INT64 = 4,
  CT_FLOAT16 = 5, CT_FLOAT32 = 6, CT_FLOAT64 = 7, CT_BOOL = 11, CT_BFLOAT16 = 15
};

/* Device: -1 is the CPU, n >= 0 is CUDA device n. */

typedef enum {
  CT_NEG, CT_ABS, CT_EXP, CT_LOG, CT_SQRT, CT_RSQRT, CT_SIGMOID, CT_RELU, CT_TANH, CT_FLOOR, CT_CEIL,
  CT_ROUND, CT_SIGN, CT_LOGICAL_NOT, CT_LOG1P, CT_EXPM1, CT_SIN, CT_COS, CT_RECIPROCAL, CT_ISNAN,
  CT_ISINF, CT_ISFINITE, CT_LOG2, CT_TRUNC, CT_SQUARE, CT_LOGSIGMOID
} ct_unary_op;

typedef enum {
  CT_ADD, CT_SUB, CT_MUL, CT_DIV, CT_POW, CT_MAXIMUM, CT_MINIMUM, CT_EQ, CT_NE, CT_LT, CT_LE, CT_GT,
  CT_GE, CT_LOGICAL_AND, CT_LOGICAL_OR, CT_REMAINDER, CT_FLOOR_DIVIDE, CT_ATAN2, CT_RSUB
} ct_binary_op;

typedef enum {
  CT_SUM, CT_MEAN, CT_PROD, CT_AMAX, CT_AMIN, CT_ALL, CT_ANY, CT_LOGSUMEXP, CT_VAR, CT_STD, CT_NORM
} ct_reduce_op;

/* Errors and runtime. */
const char *ct_last_error(void);
void ct_set_num_threads(int n);
int ct_get_num_threads(void);
/* glibc malloc: serve large blocks from the heap instead of mmap, and trim the heap only when more than
   trim_threshold bytes at its top are free. Returns 1 when set, 0 when this C library has no such policy. */
int ct_malloc_keep_freed_blocks(size_t trim_threshold);
int ct_cuda_is_available(void);
int ct_cuda_device_count(void);
/* The libtorch version this shim was built against ("1.13.0"). */
const char *ct_torch_version(void);
void ct_manual_seed(uint64_t seed);

/* Lifetime and metadata. */
void ct_free(ct_tensor t);
int ct_shallow_clone(ct_tensor t, ct_tensor *out);
int ct_dim(ct_tensor t, int64_t *out);
int ct_sizes(ct_tensor t, int64_t *out);
int ct_strides(ct_tensor t, int64_t *out);
int ct_scalar_type(ct_tensor t, int *out);
int ct_device(ct_tensor t, int *out);
int ct_numel(ct_tensor t, int64_t *out);
int ct_is_contiguous(ct_tensor t, int *out);
int ct_defined(ct_tensor t, int *out);
int ct_item_double(ct_tensor t, double *out);
int ct_item_int64(ct_tensor t, int64_t *out);
/* Copies the tensor's elements (converted to `dtype`, row-major) into `dst` of `nbytes` bytes. */
int ct_copy_to_buffer(ct_tensor t, int dtype, void *dst, size_t nbytes);
/* Read-only pointer to the first element of a contiguous CPU tensor (valid while the tensor lives). */
int ct_data_ptr(ct_tensor t, void **out);
int ct_to_string(ct_tensor t, char **out); /* free with ct_free_string */
void ct_free_string(char *s);

/* Creation. */
int ct_from_buffer(const void *data, const int64_t *dims, int ndim, int dtype, ct_tensor *out);
int ct_empty(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out);
int ct_zeros(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out);
int ct_ones(const int64_t *dims, int ndim, int dtype, int device, ct_tensor *out);
int ct_full(const int64_t *dims, int ndim, double value, int dtype, int device, ct_tensor *out);
int ct_scalar_tensor(double value, int dtype, int device, ct_tensor *out);
int ct_arange(double start, double end, double step, int dtype, int device, ct_tensor *out);
int ct_linspace(double start, double end, int64_t steps, int dtype, int device, ct_tensor *out);
int ct_eye(int64_t n, int dtype, int device, ct_tensor *out);

/* Random numbers from a seeded generator (NULL = libtorch's default generator). */
int ct_generator_new(uint64_t seed, ct_generator *out);
/* The generator this thread's draws use when they name none (NULL: libtorch's global default). */
void ct_set_thread_generator(ct_generator g);
ct_generator ct_get_thread_generator(void);
void ct_generator_free(ct_generator g);
int ct_generator_get_state(ct_generator g, ct_tensor *out);
int ct_generator_set_state(ct_generator g, ct_tensor state);
int ct_rand(const int64_t *dims, int ndim, int dtype, int device, ct_generator g, ct_tensor *out);
int ct_randn(const int64_t *dims, int ndim, int dtype, int device, ct_generator g, ct_tensor *out);
int ct_randint(int64_t low, int64_t high, const int64_t *dims, int ndim, int device, ct_generator g,
               ct_tensor *out);
int ct_randperm(int64_t n, int device, ct_generator g, ct_tensor *out);
int ct_uniform_(ct_tensor t, double low, double high, ct_generator g);
int ct_normal_(ct_tensor t, double mean, double std, ct_generator g);
int ct_multinomial(ct_tensor probs, int64_t n, int replacement, ct_generator g, ct_tensor *out);
int ct_bernoulli(ct_tensor probs, ct_generator g, ct_tensor *out);

/* Conversion. */
int ct_to(ct_tensor t, int dtype, int device, ct_tensor *out);
int ct_contiguous(ct_tensor t, ct_tensor *out);
int ct_clone(ct_tensor t, ct_tensor *out);

/* Elementwise. */
int ct_unary(ct_unary_op op, ct_tensor a, ct_tensor *out);
int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_binary_scalar(ct_binary_op op, ct_tensor a, double s, ct_tensor *out);
int ct_add_scaled(ct_tensor a, ct_tensor b, double alpha, ct_tensor *out); /* a + alpha * b in one op */
int ct_clamp(ct_tensor a, double lo, double hi, int has_lo, int has_hi, ct_tensor *out);
int ct_clamp_tensor(ct_tensor a, ct_tensor lo, ct_tensor hi, ct_tensor *out); /* lo/hi may be NULL */
int ct_where(ct_tensor cond, ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_leaky_relu(ct_tensor a, double slope, ct_tensor *out);
int ct_gelu(ct_tensor a, ct_tensor *out);

/* Reductions. dims == NULL with ndims == 0 reduces over everything. */
int ct_reduce(ct_reduce_op op, ct_tensor a, const int64_t *dims, int ndims, int keepdim, ct_tensor *out);
int ct_max_dim(ct_tensor a, int64_t dim, int keepdim, ct_tensor *values, ct_tensor *indices);
int ct_min_dim(ct_tensor a, int64_t dim, int keepdim, ct_tensor *values, ct_tensor *indices);
int ct_argmax(ct_tensor a, int64_t dim, int keepdim, ct_tensor *out);
int ct_argmin(ct_tensor a, int64_t dim, int keepdim, ct_tensor *out);
int ct_cumsum(ct_tensor a, int64_t dim, ct_tensor *out);
int ct_cumprod(ct_tensor a, int64_t dim, ct_tensor *out);
int ct_sort(ct_tensor a, int64_t dim, int descending, int stable, ct_tensor *values, ct_tensor *indices);
int ct_topk(ct_tensor a, int64_t k, int64_t dim, int largest, int sorted, ct_tensor *values,
            ct_tensor *indices);

/* Linear algebra. */
int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out);
int ct_linear(ct_tensor x, ct_tensor w, ct_tensor b, ct_tensor *out); /* b may be NULL */

/* Neural network functions (NCHW). Bias and weight arguments may be NULL. */
int ct_conv2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride, const int64_t *padding,
              const int64_t *dilation, int64_t groups, ct_tensor *out);
int ct_conv_transpose2d(ct_tensor x, ct_tensor w, ct_tensor b, const int64_t *stride,
                        const int64_t *padding, const int64_t *output_padding, int64_t groups,
                        const int64_t *dilation, ct_tensor *out);
int ct_batch_norm(ct_tensor x, ct_tensor weight, ct_tensor bias, ct_tensor running_mean,
                  ct_tensor running_var, int training, double momentum, double eps, ct_tensor *out);
int ct_group_norm(ct_tensor x, int64_t groups, ct_tensor weight, ct_tensor bias, double eps,
                  ct_tensor *out);
int ct_layer_norm(ct_tensor x, const int64_t *shape, int nshape, ct_tensor weight, ct_tensor bias,
                  double eps, ct_tensor *out);
int ct_max_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  const int64_t *dilation, int ceil_mode, ct_tensor *out);
int ct_avg_pool2d(ct_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                  ct_tensor *out);
int ct_adaptive_avg_pool2d(ct_tensor x, const int64_t *size, ct_tensor *out);
/* mode: 0 nearest, 1 bilinear. Either size (2 values) or scale (2 values) is given. */
int ct_interpolate(ct_tensor x, const int64_t *size, const double *scale, int mode, int align_corners,
                   ct_tensor *out);
int ct_softmax(ct_tensor x, int64_t dim, ct_tensor *out);
int ct_log_softmax(ct_tensor x, int64_t dim, ct_tensor *out);
int ct_dropout(ct_tensor x, double p, int training, ct_tensor *out);
int ct_constant_pad(ct_tensor x, const int64_t *pad, int npad, double value, ct_tensor *out);
int ct_one_hot(ct_tensor labels, int64_t num_classes, ct_tensor *out);

/* Losses. reduction: 0 none, 1 mean, 2 sum. */
int ct_bce_with_logits(ct_tensor x, ct_tensor target, ct_tensor weight, ct_tensor pos_weight,
                       int reduction, ct_tensor *out);
/* target is class indices (int64) or probabilities (same shape as x). */
int ct_cross_entropy(ct_tensor x, ct_tensor target, ct_tensor weight, int reduction,
                     int64_t ignore_index, double label_smoothing, ct_tensor *out);
int ct_nll_loss(ct_tensor x, ct_tensor target, ct_tensor weight, int reduction, int64_t ignore_index,
                ct_tensor *out);
int ct_smooth_l1_loss(ct_tensor x, ct_tensor target, int reduction, double beta, ct_tensor *out);
int ct_l1_loss(ct_tensor x, ct_tensor target, int reduction, ct_tensor *out);
int ct_mse_loss(ct_tensor x, ct_tensor target, int reduction, ct_tensor *out);

/* Shapes and indexing. */
int ct_cat(const ct_tensor *ts, int n, int64_t dim, ct_tensor *out);
int ct_stack(const ct_tensor *ts, int n, int64_t dim, ct_tensor *out);
/* split into pieces of the given sizes; writes n_sizes handles into outs. */
int ct_split_with_sizes(ct_tensor t, const int64_t *sizes, int n_sizes, int64_t dim, ct_tensor *outs);
int ct_view(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out);
int ct_reshape(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out);
int ct_permute(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out);
int ct_transpose(ct_tensor t, int64_t d0, int64_t d1, ct_tensor *out);
int ct_expand(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out);
int ct_repeat(ct_tensor t, const int64_t *repeats, int ndim, ct_tensor *out);
int ct_repeat_interleave(ct_tensor t, int64_t repeats, int64_t dim, ct_tensor *out);
int ct_squeeze(ct_tensor t, int64_t dim, ct_tensor *out);
int ct_unsqueeze(ct_tensor t, int64_t dim, ct_tensor *out);
int ct_flatten(ct_tensor t, int64_t start, int64_t end, ct_tensor *out);
int ct_narrow(ct_tensor t, int64_t dim, int64_t start, int64_t length, ct_tensor *out);
int ct_slice(ct_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out);
int ct_select(ct_tensor t, int64_t dim, int64_t index, ct_tensor *out);
int ct_flip(ct_tensor t, const int64_t *dims, int ndim, ct_tensor *out);
int ct_index_select(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out);
/* t[index] along dim 0 with a bool mask or an int64 index tensor (advanced indexing). */
int ct_index(ct_tensor t, ct_tensor index, ct_tensor *out);
int ct_index_put_(ct_tensor t, ct_tensor index, ct_tensor values, int accumulate);
int ct_gather(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor *out);
int ct_scatter(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out);
int ct_scatter_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out);
int ct_index_add(ct_tensor t, int64_t dim, ct_tensor index, ct_tensor src, ct_tensor *out);
int ct_masked_fill(ct_tensor t, ct_tensor mask, double value, ct_tensor *out);
int ct_masked_select(ct_tensor t, ct_tensor mask, ct_tensor *out);
int ct_nonzero(ct_tensor t, ct_tensor *out);
int ct_tril(ct_tensor t, int64_t diagonal, ct_tensor *out);
int ct_triu(ct_tensor t, int64_t diagonal, ct_tensor *out);
int ct_bincount(ct_tensor t, ct_tensor weights, int64_t minlength, ct_tensor *out);
int ct_unique(ct_tensor t, int sorted, ct_tensor *out);
int ct_meshgrid_ij(ct_tensor a, ct_tensor b, ct_tensor *out_a, ct_tensor *out_b);

/* In-place updates (used by optimisers and initialisers; they bypass autograd when grad mode is off). */
int ct_copy_(ct_tensor dst, ct_tensor src);
int ct_zero_(ct_tensor t);
int ct_fill_(ct_tensor t, double value);
int ct_add_(ct_tensor t, ct_tensor other, double alpha);
int ct_mul_scalar_(ct_tensor t, double s);
int ct_mul_(ct_tensor t, ct_tensor other);
int ct_addcmul_(ct_tensor t, ct_tensor a, ct_tensor b, double value);
int ct_addcdiv_(ct_tensor t, ct_tensor a, ct_tensor b, double value);
int ct_clamp_(ct_tensor t, double lo, double hi);
int ct_relu_(ct_tensor t);

/* Autograd. */
int ct_set_requires_grad(ct_tensor t, int requires_grad);
int ct_requires_grad(ct_tensor t, int *out);
int ct_is_leaf(ct_tensor t, int *out);
int ct_backward(ct_tensor t, ct_tensor gradient, int retain_graph); /* gradient may be NULL */
/* Sum of outputs[i] * grad_outputs[i] differentiated w.r.t. inputs; writes n_inputs gradients (NULL when
   an input is unused). */
int ct_grad(const ct_tensor *outputs, const ct_tensor *grad_outputs, int n_outputs, const ct_tensor *inputs,
            int n_inputs, int retain_graph, int create_graph, ct_tensor *grads);
int ct_get_grad(ct_tensor t, ct_tensor *out); /* *out = NULL when there is no gradient */
int ct_set_grad(ct_tensor t, ct_tensor grad); /* grad may be NULL to clear */
int ct_zero_grad(ct_tensor t);
int ct_detach(ct_tensor t, ct_tensor *out);
int ct_grad_mode_enabled(void);
void ct_set_grad_mode(int enabled);

/* Whole-tensor summaries used by optimisers. */
int ct_clip_grad_norm(const ct_tensor *params, int n, double max_norm, double norm_type, double *total_norm);

/* Native kernels for detection (kernels.cpp). */
/* RoIAlign (aligned or not), rois = K x 5 (batch index, x1, y1, x2, y2); differentiable w.r.t. input. */
int ct_roi_align(ct_tensor input, ct_tensor rois, double spatial_scale, int64_t pooled_h, int64_t pooled_w,
                 int64_t sampling_ratio, int aligned, ct_tensor *out);
/* Greedy NMS over boxes (N x 4, x1 y1 x2 y2) with scores (N); returns kept indices by score order. */
int ct_nms(ct_tensor boxes, ct_tensor scores, double iou_threshold, ct_tensor *out);
/* The same within each class (classes: N integers); boxes of different classes never suppress each other. */
int ct_batched_nms(ct_tensor boxes, ct_tensor scores, ct_tensor classes, double iou_threshold, ct_tensor *out);

/* Mixed precision (amp.cpp). Autocast state is the calling thread's: set it on the thread that runs the
 * forward pass. Dtypes use the scalar type numbering above. */
typedef struct {
  int cpu_enabled, cuda_enabled;
  int cpu_dtype, cuda_dtype;
} ct_autocast_state;
int ct_autocast_get(ct_autocast_state *out);
int ct_autocast_set(const ct_autocast_state *state);
/* torch.autocast's nesting count: returns the new depth; leaving the outermost region clears the cache of
 * lower-precision weight copies. */
int ct_autocast_increment_nesting(void);
int ct_autocast_decrement_nesting(void);
/* GradScaler's fused ops, ATen's where the device has a kernel, else the same arithmetic composed of device
 * ops (no host read either way). Unscale: every gradient *= inv_scale in place, found_inf (1 element, float)
 * set to 1 if any gradient element is inf or NaN. Update: the dynamic loss scale rule on scale (1 element,
 * float) and growth_tracker (1 element, int32). */
int ct_amp_unscale_(ct_tensor *grads, int64_t n, ct_tensor found_inf, ct_tensor inv_scale);
int ct_amp_update_scale_(ct_tensor scale, ct_tensor growth_tracker, ct_tensor found_inf, double growth_factor,
                         double backoff_factor, int64_t growth_interval);

/* Devices (devices.cpp). Host reads: item, copies into host buffers and CUDA-to-CPU conversions made by the
 * calling thread (all of them, and those of non-CPU tensors, each of which waits for the device). */
int64_t ct_host_read_count(void);
int64_t ct_device_host_read_count(void);
/* A copy in page-locked host memory (needs a CUDA runtime), from which a copy to CUDA can be asynchronous. */
int ct_pin_memory(ct_tensor t, ct_tensor *out);
/* To `device` with non_blocking=true (asynchronous from pinned memory to CUDA). */
int ct_to_non_blocking(ct_tensor t, int device, ct_tensor *out);
/* TF32 in cuDNN convolutions and cuBLAS matmuls on Ampere and later GPUs (PyTorch's defaults: on, off). */
int ct_set_allow_tf32(int allow);
/* The path of the loaded libtorch_cpu library (free with ct_free_string). */
int ct_torch_library_path(char **out);
/* Whether the dispatcher knows an operator ("torchvision::nms"). */
int ct_has_operator(const char *name);
/* torchvision's operators through the dispatcher (its CPU or CUDA kernel by the inputs' device; autograd). */
int ct_torchvision_roi_align(ct_tensor input, ct_tensor rois, double spatial_scale, int64_t pooled_h,
                             int64_t pooled_w, int64_t sampling_ratio, int aligned, ct_tensor *out);
int ct_torchvision_nms(ct_tensor boxes, ct_tensor scores, double iou_threshold, ct_tensor *out);

/* Process groups (distributed.cpp): c10d's TCPStore rendezvous and Gloo backend. Every collective blocks
 * until done or until the group's timeout; failures name the rank. */
typedef struct ct_process_group_s *ct_process_group;
/* Joins (host_store != 0: also hosts) the TCPStore at master_addr:master_port, under store_prefix, and
 * connects the world_size processes through the network interface `interface` (NULL: see distributed.cpp). */
int ct_process_group_new(const char *master_addr, int master_port, int rank, int world_size, int host_store,
                         const char *store_prefix, const char *interface, int64_t timeout_ms, ct_process_group *out);
void ct_process_group_free(ct_process_group g);
/* In-place sum over all processes of n tensors, reduced in flat buckets of up to bucket_bytes per dtype and
 * device, then multiplied by scale (1/world_size averages). */
int ct_process_group_all_reduce_sum(ct_process_group g, ct_tensor *tensors, int64_t n, int64_t bucket_bytes,
                                    double scale);
/* Every process's tensor concatenated along dimension 0 in rank order; the row counts may differ. */
int ct_process_group_all_gather_cat(ct_process_group g, ct_tensor t, ct_tensor *out);
/* Overwrites each of n tensors (in place, outside autograd) with root's. */
int ct_process_group_broadcast(ct_process_group g, ct_tensor *tensors, int64_t n, int root);
int ct_process_group_barrier(ct_process_group g);

#ifdef __cplusplus
}
#endif

#endif
