// Native detection kernels: RoIAlign (forward and backward, as an autograd function) and greedy NMS (plain
// and per class).
// Composing these from ATen ops would allocate per RoI and per sample point; a direct loop is far faster.
// Semantics follow torchvision.ops.roi_align / nms (which mmcv's `RoIAlign(aligned=True)` and `nms` share).
#include "ctorch.h"
#include "ctorch_internal.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// The four neighbours and weights of one bilinear sample; weights are 0 for a point outside the map.
struct Bilinear {
  int64_t y0, x0, y1, x1;
  double w00, w01, w10, w11;
};

inline Bilinear bilinear_at(double y, double x, int64_t height, int64_t width) {
  Bilinear b{0, 0, 0, 0, 0, 0, 0, 0};
  if (y < -1.0 || y > (double)height || x < -1.0 || x > (double)width) return b;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y_low = (int64_t)y, x_low = (int64_t)x, y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = (double)y_low;
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = (double)x_low;
  } else {
    x_high = x_low + 1;
  }
  double ly = y - y_low, lx = x - x_low, hy = 1.0 - ly, hx = 1.0 - lx;
  b = Bilinear{y_low, x_low, y_high, x_high, hy * hx, hy * lx, ly * hx, ly * lx};
  return b;
}

// The sampling geometry of one RoI.
struct RoIGeometry {
  int64_t batch;
  double start_y, start_x, bin_h, bin_w;
  int64_t grid_h, grid_w;
  double count;
};

template <typename T>
RoIGeometry geometry(const T *roi, double scale, int64_t pooled_h, int64_t pooled_w, int64_t sampling_ratio,
                     bool aligned) {
  double offset = aligned ? 0.5 : 0.0;
  double x1 = roi[1] * scale - offset, y1 = roi[2] * scale - offset;
  double x2 = roi[3] * scale - offset, y2 = roi[4] * scale - offset;
  double w = x2 - x1, h = y2 - y1;
  if (!aligned) {
    w = std::max(w, 1.0);
    h = std::max(h, 1.0);
  }
  RoIGeometry g;
  g.batch = (int64_t)roi[0];
  g.start_y = y1;
  g.start_x = x1;
  g.bin_h = h / pooled_h;
  g.bin_w = w / pooled_w;
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : (int64_t)std::ceil(h / pooled_h);
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : (int64_t)std::ceil(w / pooled_w);
  g.count = std::max<double>((double)(g.grid_h * g.grid_w), 1.0);
  return g;
}

// The bilinear samples of one RoI in output-bin order (bin by bin, each bin's grid row by row), with the
// flat offsets of their four neighbours in a feature plane. They depend on the RoI alone, not on the channel:
// computed once per RoI and reused for all C channels (torchvision's kernel does the same), instead of once
// per RoI and channel. The arithmetic per sample is unchanged, so the results are bit for bit those of the
// per-channel computation.
struct Sample {
  int64_t o00, o01, o10, o11;
  double w00, w01, w10, w11;
};

template <typename T>
void roi_samples(const T *roi, double scale, int64_t ph_n, int64_t pw_n, int64_t sampling_ratio, bool aligned,
                 int64_t height, int64_t width, RoIGeometry &g, std::vector<Sample> &samples) {
  g = geometry(roi, scale, ph_n, pw_n, sampling_ratio, aligned);
  samples.clear();
  samples.reserve((size_t)(ph_n * pw_n * g.grid_h * g.grid_w));
  for (int64_t ph = 0; ph < ph_n; ph++) {
    for (int64_t pw = 0; pw < pw_n; pw++) {
      for (int64_t iy = 0; iy < g.grid_h; iy++) {
        double y = g.start_y + ph * g.bin_h + (iy + 0.5) * g.bin_h / g.grid_h;
        for (int64_t ix = 0; ix < g.grid_w; ix++) {
          double x = g.start_x + pw * g.bin_w + (ix + 0.5) * g.bin_w / g.grid_w;
          Bilinear b = bilinear_at(y, x, height, width);
          samples.push_back(Sample{b.y0 * width + b.x0, b.y0 * width + b.x1, b.y1 * width + b.x0,
                                   b.y1 * width + b.x1, b.w00, b.w01, b.w10, b.w11});
        }
      }
    }
  }
}

template <typename T>
void roi_align_forward_cpu(const at::Tensor &input, const at::Tensor &rois, double scale, int64_t ph_n,
                           int64_t pw_n, int64_t sampling_ratio, bool aligned, at::Tensor &output) {
  const int64_t channels = input.size(1), height = input.size(2), width = input.size(3);
  const int64_t num_rois = rois.size(0);
  const T *in = input.data_ptr<T>();
  const T *r = rois.data_ptr<T>();
  T *out = output.data_ptr<T>();
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    std::vector<Sample> samples;
    for (int64_t k = begin; k < end; k++) {
      RoIGeometry g;
      roi_samples(r + k * 5, scale, ph_n, pw_n, sampling_ratio, aligned, height, width, g, samples);
      const int64_t per_bin = g.grid_h * g.grid_w;
      for (int64_t c = 0; c < channels; c++) {
        const T *plane = in + (g.batch * channels + c) * height * width;
        T *o = out + (k * channels + c) * ph_n * pw_n;
        const Sample *s = samples.data();
        for (int64_t bin = 0; bin < ph_n * pw_n; bin++) {
          double acc = 0;
          for (int64_t i = 0; i < per_bin; i++, s++) {
            acc += s->w00 * plane[s->o00] + s->w01 * plane[s->o01] + s->w10 * plane[s->o10] + s->w11 * plane[s->o11];
          }
          o[bin] = (T)(acc / g.count);
        }
      }
    }
  });
}

template <typename T>
void roi_align_backward_cpu(const at::Tensor &grad_output, const at::Tensor &rois, double scale, int64_t ph_n,
                            int64_t pw_n, int64_t sampling_ratio, bool aligned, at::Tensor &grad_input) {
  const int64_t channels = grad_input.size(1), height = grad_input.size(2), width = grad_input.size(3);
  const int64_t num_rois = rois.size(0);
  const T *go = grad_output.data_ptr<T>();
  const T *r = rois.data_ptr<T>();
  T *gi = grad_input.data_ptr<T>();
  // Every RoI's samples first (in parallel over RoIs), then the scatter.
  std::vector<RoIGeometry> geometries(num_rois);
  std::vector<std::vector<Sample>> samples(num_rois);
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; k++)
      roi_samples(r + k * 5, scale, ph_n, pw_n, sampling_ratio, aligned, height, width, geometries[k], samples[k]);
  });
  // Parallel over channels: two RoIs may touch the same pixel, but never the same channel from two threads.
  at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c++) {
      for (int64_t k = 0; k < num_rois; k++) {
        const RoIGeometry &g = geometries[k];
        const int64_t per_bin = g.grid_h * g.grid_w;
        T *plane = gi + (g.batch * channels + c) * height * width;
        const T *o = go + (k * channels + c) * ph_n * pw_n;
        const Sample *s = samples[k].data();
        for (int64_t bin = 0; bin < ph_n * pw_n; bin++) {
          double grad = o[bin] / g.count;
          for (int64_t i = 0; i < per_bin; i++, s++) {
            if (s->w00 == 0 && s->w01 == 0 && s->w10 == 0 && s->w11 == 0) continue;
            plane[s->o00] += (T)(grad * s->w00);
            plane[s->o01] += (T)(grad * s->w01);
            plane[s->o10] += (T)(grad * s->w10);
            plane[s->o11] += (T)(grad * s->w11);
          }
        }
      }
    }
  });
}

at::Tensor roi_align_forward(const at::Tensor &input, const at::Tensor &rois, double scale, int64_t ph,
                             int64_t pw, int64_t sampling_ratio, bool aligned) {
  TORCH_CHECK(input.dim() == 4, "roi_align: input must be N x C x H x W, got ", input.sizes());
  TORCH_CHECK(rois.dim() == 2 && rois.size(1) == 5, "roi_align: rois must be K x 5, got ", rois.sizes());
  TORCH_CHECK(input.device().is_cpu(), "roi_align: only CPU tensors are supported by this build");
  at::Tensor x = input.contiguous();
  at::Tensor r = rois.to(x.scalar_type()).contiguous();
  at::Tensor out = at::zeros({r.size(0), x.size(1), ph, pw}, x.options());
  if (r.size(0) == 0) return out;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "roi_align_forward",
                             [&] { roi_align_forward_cpu<scalar_t>(x, r, scale, ph, pw, sampling_ratio, aligned, out); });
  return out;
}

at::Tensor roi_align_backward(const at::Tensor &grad, const at::Tensor &rois, at::IntArrayRef input_shape,
                              double scale, int64_t ph, int64_t pw, int64_t sampling_ratio, bool aligned) {
  at::Tensor g = grad.contiguous();
  at::Tensor r = rois.to(g.scalar_type()).contiguous();
  at::Tensor gi = at::zeros(input_shape, g.options());
  if (r.size(0) == 0) return gi;
  AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "roi_align_backward",
                             [&] { roi_align_backward_cpu<scalar_t>(g, r, scale, ph, pw, sampling_ratio, aligned, gi); });
  return gi;
}

class RoIAlignFunction : public torch::autograd::Function<RoIAlignFunction> {
public:
  static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &input, const at::Tensor &rois,
                            double scale, int64_t ph, int64_t pw, int64_t sampling_ratio, bool aligned) {
    ctx->saved_data["scale"] = scale;
    ctx->saved_data["ph"] = ph;
    ctx->saved_data["pw"] = pw;
    ctx->saved_data["sampling_ratio"] = sampling_ratio;
    ctx->saved_data["aligned"] = aligned;
    ctx->saved_data["input_shape"] = input.sizes().vec();
    ctx->save_for_backward({rois});
    at::AutoDispatchBelowADInplaceOrView guard;
    return roi_align_forward(input, rois, scale, ph, pw, sampling_ratio, aligned);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto shape = ctx->saved_data["input_shape"].toIntVector();
    at::Tensor gi = roi_align_backward(grads[0], saved[0], shape, ctx->saved_data["scale"].toDouble(),
                                       ctx->saved_data["ph"].toInt(), ctx->saved_data["pw"].toInt(),
                                       ctx->saved_data["sampling_ratio"].toInt(), ctx->saved_data["aligned"].toBool());
    return {gi, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// Greedy NMS. With `classes`, boxes of different classes never suppress each other: each class is suppressed
// on its own (its boxes in score order), so a box is compared only with the boxes of its class. That is the
// per-class loop of torchvision's and mmdet's `batched_nms` for large inputs; the coordinate-offset trick
// they use for small ones compares every pair of boxes, and Mask R-CNN's test-time NMS (up to 1000 RoIs x
// C classes above a 1e-4 score threshold) spent most of inference doing so.
// Returns the kept indices in score order (ties in input order, as the stable sort of `order`).
template <typename T>
std::vector<int64_t> nms_cpu(const at::Tensor &boxes, const at::Tensor &order, double threshold,
                             const int64_t *classes) {
  const int64_t n = boxes.size(0);
  const T *b = boxes.data_ptr<T>();
  const int64_t *ord = order.data_ptr<int64_t>();
  std::vector<T> areas(n);
  for (int64_t i = 0; i < n; i++) areas[i] = (b[i * 4 + 2] - b[i * 4]) * (b[i * 4 + 3] - b[i * 4 + 1]);
  // The boxes grouped by class, in score order within each class: sorted by (class, rank in `order`).
  std::vector<int64_t> rank(n), grouped(ord, ord + n);
  for (int64_t oi = 0; oi < n; oi++) rank[ord[oi]] = oi;
  if (classes)
    std::sort(grouped.begin(), grouped.end(), [&](int64_t i, int64_t j) {
      return classes[i] != classes[j] ? classes[i] < classes[j] : rank[i] < rank[j];
    });
  std::vector<char> suppressed(n, 0), kept(n, 0);
  for (int64_t start = 0; start < n;) {
    int64_t stop = start + 1;
    if (classes)
      while (stop < n && classes[grouped[stop]] == classes[grouped[start]]) stop++;
    else
      stop = n;
    for (int64_t oi = start; oi < stop; oi++) {
      int64_t i = grouped[oi];
      if (suppressed[i]) continue;
      kept[i] = 1;
      T ix1 = b[i * 4], iy1 = b[i * 4 + 1], ix2 = b[i * 4 + 2], iy2 = b[i * 4 + 3];
      for (int64_t oj = oi + 1; oj < stop; oj++) {
        int64_t j = grouped[oj];
        if (suppressed[j]) continue;
        T w = std::max<T>(0, std::min(ix2, b[j * 4 + 2]) - std::max(ix1, b[j * 4]));
        T h = std::max<T>(0, std::min(iy2, b[j * 4 + 3]) - std::max(iy1, b[j * 4 + 1]));
        T inter = w * h;
        T iou = inter / (areas[i] + areas[j] - inter);
        if (iou > threshold) suppressed[j] = 1;
      }
    }
    start = stop;
  }
  std::vector<int64_t> keep;
  for (int64_t oi = 0; oi < n; oi++)
    if (kept[ord[oi]]) keep.push_back(ord[oi]);
  return keep;
}

// NMS of `boxes` by `scores`, per class when `classes` is defined; the kept indices on the boxes' device.
at::Tensor nms(const at::Tensor &boxes_in, const at::Tensor &scores_in, const at::Tensor *classes_in,
               double iou_threshold) {
  at::Tensor b = boxes_in.detach().to(at::kCPU).contiguous();
  at::Tensor s = scores_in.detach().to(at::kCPU).contiguous();
  TORCH_CHECK(b.dim() == 2 && b.size(1) == 4, "nms: boxes must be N x 4, got ", b.sizes());
  TORCH_CHECK(s.dim() == 1 && s.size(0) == b.size(0), "nms: scores must have one entry per box");
  at::Tensor c;
  if (classes_in) {
    c = classes_in->detach().to(at::kCPU, at::kLong).contiguous();
    TORCH_CHECK(c.dim() == 1 && c.size(0) == b.size(0), "batched_nms: classes must have one entry per box");
  }
  at::Tensor order = std::get<1>(s.sort(/*stable=*/true, 0, /*descending=*/true)).contiguous();
  std::vector<int64_t> keep;
  AT_DISPATCH_FLOATING_TYPES(b.scalar_type(), "nms", [&] {
    keep = nms_cpu<scalar_t>(b, order, iou_threshold, classes_in ? c.data_ptr<int64_t>() : nullptr);
  });
  at::Tensor k = at::empty({(int64_t)keep.size()}, at::TensorOptions().dtype(at::kLong));
  std::copy(keep.begin(), keep.end(), k.data_ptr<int64_t>());
  return k.to(boxes_in.device());
}

} // namespace

extern "C" {

int ct_roi_align(ct_tensor input, ct_tensor rois, double spatial_scale, int64_t pooled_h, int64_t pooled_w,
                 int64_t sampling_ratio, int aligned, ct_tensor *out) {
  CT_TRY(*out = wrap(RoIAlignFunction::apply(*unwrap(input), *unwrap(rois), spatial_scale, pooled_h, pooled_w,
                                             sampling_ratio, aligned != 0)));
}

int ct_nms(ct_tensor boxes, ct_tensor scores, double iou_threshold, ct_tensor *out) {
  CT_TRY(*out = wrap(nms(*unwrap(boxes), *unwrap(scores), nullptr, iou_threshold)));
}

int ct_batched_nms(ct_tensor boxes, ct_tensor scores, ct_tensor classes, double iou_threshold, ct_tensor *out) {
  CT_TRY(*out = wrap(nms(*unwrap(boxes), *unwrap(scores), unwrap(classes), iou_threshold)));
}

} // extern "C"
