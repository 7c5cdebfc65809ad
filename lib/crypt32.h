/*
 * crypt32.h - certificate contexts as the rest of the library sees them
 * (never installed).
 *
 * lib/api_crypt32.c implements the crypt32 subset of <sspigss/wincrypt.h>
 * over OpenSSL: every PCCERT_CONTEXT it hands out is the public part of a
 * private object that also holds the OpenSSL certificate, an optional
 * private key, a reference count and the store the context belongs to.
 * The Schannel package takes SCHANNEL_CRED.paCred contexts apart with
 * crypt32_x509()/crypt32_private_key() and makes the context it returns
 * for SECPKG_ATTR_REMOTE_CERT_CONTEXT with crypt32_from_x509().
 *
 * Every function here checks that a context pointer is one of ours before
 * it reads it: a live context is found in a table by address, so a
 * foreign CERT_CONTEXT, a stale pointer (freed already) or NULL is
 * refused without being dereferenced. The functions are thread-safe.
 */
#ifndef SSPIGSS_CRYPT32_H
#define SSPIGSS_CRYPT32_H

#include "setup.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <sspigss/sspigss.h>

/* True when ctx is a live certificate context made by this library. */
bool crypt32_is_context(PCCERT_CONTEXT ctx);

/*
 * The OpenSSL certificate behind a context, or NULL when ctx is not a
 * live context of ours. The X509 belongs to the context and stays valid
 * while the caller holds its reference to ctx; X509_up_ref() it to keep
 * it longer. Never modify it (other holders of the context share it).
 */
X509 *crypt32_x509(PCCERT_CONTEXT ctx);

/*
 * The private key that came with the certificate (PFXImportCertStore, the
 * "MY" system store, crypt32_from_x509()), or NULL when there is none or
 * ctx is not ours. Same lifetime rule as crypt32_x509().
 */
EVP_PKEY *crypt32_private_key(PCCERT_CONTEXT ctx);

/*
 * A new certificate context for an OpenSSL certificate (and, when key is
 * not NULL, its private key), in no store: hCertStore names the one
 * empty store that every such context shares, as contexts from
 * CertCreateCertificateContext do. The context takes its own references
 * on x509 and key (the caller keeps its own). Returns a context the
 * caller releases with CertFreeCertificateContext(), or NULL (x509 NULL,
 * a certificate that cannot be encoded, or memory exhausted; the reason
 * is in the trace and sspigss_last_error()).
 */
PCCERT_CONTEXT crypt32_from_x509(X509 *x509, EVP_PKEY *key);

/*
 * Every certificate of the store ctx belongs to (ctx's own included; just
 * ctx's for a context in no store), each up-referenced: free the stack
 * with sk_X509_pop_free(stack, X509_free). NULL when ctx is not ours or
 * memory is exhausted. Schannel finds a certificate's chain here (a PFX
 * brings its CA certificates into the same store).
 */
STACK_OF(X509) *crypt32_store_certs(PCCERT_CONTEXT ctx);

/* Live certificate contexts and open-or-referenced stores (tests use
 * them to prove that every path releases what it made). */
size_t crypt32_live_contexts(void);
size_t crypt32_live_stores(void);

#endif /* SSPIGSS_CRYPT32_H */
