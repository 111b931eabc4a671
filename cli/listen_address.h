// The --address of the gRPC servers: gRPC reads "HOST:PORT" leniently (no
// port means 443, a port above 65535 wraps around), so a typo would listen
// somewhere else; this validator refuses it up front.
#pragma once

#include <CLI/CLI.hpp>

namespace hpsearch::cli {

// Accepts HOST:PORT with PORT in 0-65535 (0: a free port), where HOST is a
// name, an IPv4 address or a bracketed IPv6 address ([::]), and gRPC's
// unix:PATH.
CLI::Validator ListenAddress();

}  // namespace hpsearch::cli
