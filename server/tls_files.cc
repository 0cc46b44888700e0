#include "server/tls_files.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace strata::server {
namespace {

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

std::unique_ptr<BIO, decltype(&BIO_free)> MemoryBio(const std::string& pem) {
  return {BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
}

storage::Status Invalid(const std::string& flag, const std::string& path, const std::string& why) {
  return storage::Status::InvalidArgument(flag + " file \"" + path + "\" " + why);
}

}  // namespace

storage::Result<std::string> ReadFlagFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(flag, path, std::string("cannot be read: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Invalid(flag, path, std::string("cannot be read: ") + std::strerror(errno));
  return text.str();
}

storage::Result<TlsFiles> LoadTlsFiles(const Config& config) {
  TlsFiles files;
  auto cert = ReadFlagFile("--tls-cert", config.tls_cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadFlagFile("--tls-key", config.tls_key);
  if (!key.ok()) return key.status();
  files.cert_chain = std::move(*cert);
  files.private_key = std::move(*key);

  auto cert_bio = MemoryBio(files.cert_chain);
  OpenSslPtr<X509, X509_free> x509(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (x509 == nullptr) return Invalid("--tls-cert", config.tls_cert, "holds no PEM certificate");
  auto key_bio = MemoryBio(files.private_key);
  OpenSslPtr<EVP_PKEY, EVP_PKEY_free> pkey(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) return Invalid("--tls-key", config.tls_key, "holds no unencrypted PEM private key");
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return Invalid("--tls-key", config.tls_key, "does not match the certificate of --tls-cert");
  }

  if (!config.tls_client_ca.empty()) {
    auto ca = ReadFlagFile("--tls-client-ca", config.tls_client_ca);
    if (!ca.ok()) return ca.status();
    auto ca_bio = MemoryBio(*ca);
    OpenSslPtr<X509, X509_free> ca_cert(PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr));
    if (ca_cert == nullptr) return Invalid("--tls-client-ca", config.tls_client_ca, "holds no PEM certificate");
    files.client_ca = std::move(*ca);
  }
  return files;
}

}  // namespace strata::server
