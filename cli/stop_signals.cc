#include "cli/stop_signals.h"

#include <pthread.h>

#include <cstring>

#include "spdlog/spdlog.h"

namespace hpsearch::cli {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

int StopSignals::Wait(double shutdown_grace_s) const {
  int signal_number = 0;
  sigwait(&signals_, &signal_number);
  spdlog::info("received {}; shutting down (grace {} s)", strsignal(signal_number), shutdown_grace_s);
  return signal_number;
}

}  // namespace hpsearch::cli
