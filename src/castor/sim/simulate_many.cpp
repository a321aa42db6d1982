#include "castor/sim/simulate_many.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <thread>

namespace castor::sim {

std::vector<SimulationResult> simulate_many(const std::vector<SimulationJob>& jobs, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(jobs.size(), 1)));
  std::vector<std::optional<SimulationResult>> out(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < jobs.size();) {
      try {
        out[k] = simulate(jobs[k].params, jobs[k].protocol, jobs[k].options);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    }
  };
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  std::vector<SimulationResult> results;
  results.reserve(jobs.size());
  for (auto& r : out) results.push_back(std::move(*r));
  return results;
}

}  // namespace castor::sim
