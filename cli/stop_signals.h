// SIGTERM and SIGINT as a clean stop for the long-running servers
// (`hpsearch serve`, `hpsearch db-manager`).
//
//   StopSignals stop;          // before starting gRPC, so its threads inherit the mask
//   auto server = Start(...);
//   stop.Wait(grace_s);        // logs the signal
//   server->Shutdown(...);
#pragma once

#include <signal.h>

namespace hpsearch::cli {

class StopSignals {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread, and so in every thread
  // it starts afterwards: only Wait() ever receives them.
  StopSignals();

  // Waits for SIGTERM or SIGINT, logs it with the grace period the caller
  // will give calls in flight, and returns the signal number.
  int Wait(double shutdown_grace_s) const;

 private:
  sigset_t signals_;
};

}  // namespace hpsearch::cli
