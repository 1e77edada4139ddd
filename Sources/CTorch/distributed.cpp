// Process groups over libtorch's c10d: a TCPStore rendezvous and the Gloo backend (CPU tensors; CUDA
// tensors are staged through the host). Every call blocks until its collective completes or the group's
// timeout passes, and every failure names this process's rank, so that a job whose peer died reports
// which process saw it instead of hanging.
#include "ctorch.h"
#include "ctorch_internal.h"

// libtorch is built with Gloo but its header declares the backend only when told so.
#define USE_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  int rank;
  int size;
  std::chrono::milliseconds timeout;
};

Group *group(ct_process_group g) { return reinterpret_cast<Group *>(g); }

// Waits for a collective, rethrowing any failure with the rank and the operation in front of it.
void finish(Group *g, const char *op, const c10::intrusive_ptr<c10d::Work> &work) {
  try {
    work->wait(g->timeout);
  } catch (const c10::Error &e) {
    throw std::runtime_error("rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + op +
                             " failed: " + e.what_without_backtrace());
  } catch (const std::exception &e) {
    throw std::runtime_error("rank " + std::to_string(g->rank) + " of " + std::to_string(g->size) + ": " + op +
                             " failed: " + e.what());
  }
}

// Gloo reduces CPU buffers; a CUDA tensor goes through a host copy (what Gloo's CUDA path does internally).
at::Tensor host(const at::Tensor &t) { return t.device().is_cpu() ? t.contiguous() : t.to(at::kCPU).contiguous(); }

void allreduce_flat(Group *g, at::Tensor &flat) {
  std::vector<at::Tensor> v{flat};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  opts.timeout = g->timeout;
  finish(g, "all_reduce", g->gloo->allreduce(v, opts));
}

} // namespace

extern "C" {

int ct_process_group_new(const char *master_addr, int master_port, int rank, int world_size, int host_store,
                         const char *store_prefix, const char *interface, int64_t timeout_ms, ct_process_group *out) {
  CT_TRY({
    auto timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions so;
    so.port = (std::uint16_t)master_port;
    so.isServer = host_store != 0;
    so.numWorkers = (std::size_t)world_size;
    so.waitWorkers = false;
    so.timeout = timeout;
    c10::intrusive_ptr<c10d::Store> store;
    try {
      store = c10::make_intrusive<c10d::TCPStore>(std::string(master_addr), so);
    } catch (const std::exception &e) {
      throw std::runtime_error("rank " + std::to_string(rank) + " of " + std::to_string(world_size) +
                               ": cannot reach the rendezvous store at " + master_addr + ":" +
                               std::to_string(master_port) + ": " + e.what());
    }
    store = c10::make_intrusive<c10d::PrefixStore>(std::string(store_prefix), store);
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    // The transport binds to the named interface, else to loopback for a job on one machine, else to the
    // address this host's name resolves to (what PyTorch does with and without GLOO_SOCKET_IFNAME).
    std::string address(master_addr);
    opts->devices.push_back(interface != nullptr && *interface != 0
                                ? c10d::ProcessGroupGloo::createDeviceForInterface(std::string(interface))
                            : address == "127.0.0.1" || address == "localhost"
                                ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                : c10d::ProcessGroupGloo::createDefaultDevice());
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
    try {
      gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, opts);
    } catch (const std::exception &e) {
      throw std::runtime_error("rank " + std::to_string(rank) + " of " + std::to_string(world_size) +
                               ": Gloo rendezvous failed: " + e.what());
    }
    *out = reinterpret_cast<ct_process_group>(new Group{store, gloo, rank, world_size, timeout});
  });
}

void ct_process_group_free(ct_process_group g) { delete group(g); }

int ct_process_group_all_reduce_sum(ct_process_group pg, ct_tensor *tensors, int64_t n, int64_t bucket_bytes,
                                    double scale) {
  CT_TRY({
    Group *g = group(pg);
    // Buckets of one dtype and device, each up to bucket_bytes, reduced as one flat buffer: one collective
    // per bucket instead of one per tensor (what DDP's reducer does).
    std::map<std::pair<int, int>, std::vector<at::Tensor *>> byKind;
    std::vector<std::pair<int, int>> kinds;
    for (int64_t i = 0; i < n; i++) {
      at::Tensor *t = unwrap(tensors[i]);
      TORCH_CHECK(scale == 1.0 || at::isFloatingType(t->scalar_type()), "all_reduce: scaling by ", scale,
                  " needs floating-point tensors, got ", t->scalar_type());
      std::pair<int, int> k{(int)t->scalar_type(), t->device().is_cuda() ? t->device().index() : -1};
      if (!byKind.count(k)) kinds.push_back(k);
      byKind[k].push_back(t);
    }
    for (auto &k : kinds) {
      auto &list = byKind[k];
      size_t start = 0;
      while (start < list.size()) {
        size_t end = start;
        int64_t bytes = 0;
        while (end < list.size() && (end == start || bytes + (int64_t)list[end]->nbytes() <= bucket_bytes)) {
          bytes += (int64_t)list[end]->nbytes();
          end++;
        }
        std::vector<at::Tensor> pieces;
        for (size_t i = start; i < end; i++) pieces.push_back(host(*list[i]).reshape({-1}));
        at::Tensor flat = at::cat(pieces);
        allreduce_flat(g, flat);
        if (scale != 1.0) flat.mul_(scale);
        int64_t offset = 0;
        for (size_t i = start; i < end; i++) {
          int64_t m = list[i]->numel();
          list[i]->copy_(flat.narrow(0, offset, m).view(list[i]->sizes()));
          offset += m;
        }
        start = end;
      }
    }
  });
}

int ct_process_group_all_gather_cat(ct_process_group pg, ct_tensor t, ct_tensor *out) {
  CT_TRY({
    Group *g = group(pg);
    at::Tensor x = host(*unwrap(t));
    if (x.dim() == 0) x = x.reshape({1});
    // Gloo gathers equal shapes only: share the row counts, pad every part to the longest, trim after.
    at::Tensor rows = at::full({1}, x.size(0), at::kLong);
    std::vector<std::vector<at::Tensor>> rowParts(1);
    for (int r = 0; r < g->size; r++) rowParts[0].push_back(at::empty({1}, at::kLong));
    std::vector<at::Tensor> rowIn{rows};
    finish(g, "all_gather (sizes)", g->gloo->allgather(rowParts, rowIn));
    int64_t longest = 0;
    for (auto &r : rowParts[0]) longest = std::max(longest, r.item<int64_t>());
    if (longest == 0) {
      *out = wrap(x.clone().to(unwrap(t)->device()));
      return 0;
    }
    auto shape = x.sizes().vec();
    shape[0] = longest;
    at::Tensor padded = at::zeros(shape, x.options());
    padded.narrow(0, 0, x.size(0)).copy_(x);
    std::vector<std::vector<at::Tensor>> parts(1);
    for (int r = 0; r < g->size; r++) parts[0].push_back(at::empty(shape, x.options()));
    std::vector<at::Tensor> in{padded};
    finish(g, "all_gather", g->gloo->allgather(parts, in));
    std::vector<at::Tensor> trimmed;
    for (int r = 0; r < g->size; r++) trimmed.push_back(parts[0][r].narrow(0, 0, rowParts[0][r].item<int64_t>()));
    *out = wrap(at::cat(trimmed).to(unwrap(t)->device()));
  });
}

int ct_process_group_broadcast(ct_process_group pg, ct_tensor *tensors, int64_t n, int root) {
  CT_TRY({
    Group *g = group(pg);
    for (int64_t i = 0; i < n; i++) {
      at::Tensor *t = unwrap(tensors[i]);
      at::Tensor buffer = host(t->detach());
      std::vector<at::Tensor> v{buffer};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      opts.timeout = g->timeout;
      finish(g, "broadcast", g->gloo->broadcast(v, opts));
      // A contiguous CPU tensor was received in place; any other gets the host copy back.
      if (buffer.data_ptr() != t->data_ptr()) t->detach().copy_(buffer);
    }
  });
}

int ct_process_group_barrier(ct_process_group pg) {
  CT_TRY({
    Group *g = group(pg);
    c10d::BarrierOptions opts;
    opts.timeout = g->timeout;
    finish(g, "barrier", g->gloo->barrier(opts));
  });
}

} // extern "C"
