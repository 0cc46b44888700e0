// The PEM files of --tls-cert, --tls-key and --tls-client-ca, read and checked
// at start, so a wrong path or a key that does not fit the certificate stops
// stratad with a message naming the file instead of failing every handshake.
#pragma once

#include <string>

#include "server/config.h"
#include "storage/status.h"

namespace strata::server {

struct TlsFiles {
  std::string cert_chain;  // PEM, the server's certificate (and intermediates)
  std::string private_key;  // PEM
  std::string client_ca;    // PEM; empty: client certificates are not requested
};

// Errors (kInvalidArgument) name the flag and the file.
storage::Result<TlsFiles> LoadTlsFiles(const Config& config);

// Reads a whole file; the error names `flag` and `path` and says why.
storage::Result<std::string> ReadFlagFile(const std::string& flag, const std::string& path);

}  // namespace strata::server
