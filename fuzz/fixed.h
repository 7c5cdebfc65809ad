/*
 * fixed.h - the same random bytes, clock and host name in every run, for
 * the fuzz targets whose handshakes go through OpenSSL (fuzz_ntlm_accept,
 * fuzz_negotiate_accept, fuzz_schannel).
 *
 * A seed file is only as good as the handshake it was made in: an NTLM
 * AUTHENTICATE proves knowledge of the server's random challenge and
 * carries a MIC over the CHALLENGE (which holds the server's clock and
 * host name), and a TLS server flight answers the client's random
 * key share. fixed.c makes these the same every time:
 *
 *  - randomness: it replaces OpenSSL's RAND_bytes(), RAND_priv_bytes()
 *    and their _ex forms (gss-ntlmssp's only source of random bytes is
 *    RAND_bytes(); libssl and OpenSSL's key generation and signing use
 *    the _ex forms) with fixed streams that fixed_rng_reset() restarts.
 *    The executable's definitions come first in symbol lookup, also for
 *    calls from inside libcrypto and libssl (through the PLT), as
 *    realm.c does for MIT's randomness. Draws for the library context
 *    named with fixed_rng_own_stream() (an in-process TLS server) come
 *    from a stream of their own, so a client's draws do not depend on
 *    whether the server it talks to is live or a recording;
 *  - the clock: gettimeofday() (gss-ntlmssp's timestamps: the CHALLENGE's
 *    MsvAvTimestamp, the client's check of it) returns a fixed instant
 *    while fixed_clock(true) is in force, the real time otherwise (MIT
 *    Kerberos reads it too and checks tickets against time());
 *  - the host name: gethostname() says "fuzz" (gss-ntlmssp puts it in
 *    its CHALLENGE as the server's DNS name).
 * fixed_ntlm_setup() also gives gss-ntlmssp its user file and NetBIOS
 * names, fixed_trust_setup() OpenSSL an empty trust store. With all of
 * it, an NTLM or TLS message written as a seed by one run, on one
 * machine, is valid in every later run and on every machine (with the
 * same gss-ntlmssp and OpenSSL), and a finding replays.
 *
 * Everything here aborts on failure: a harness that cannot set up must
 * not report "no findings".
 */
#ifndef SSPIGSS_FUZZ_FIXED_H
#define SSPIGSS_FUZZ_FIXED_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/types.h>

/* The NTLM user (the user file's only entry) and the NetBIOS domain.
 * The NT hash is MD4 of the password in UTF-16LE (MS-NLMP 3.3.1). */
#define FIXED_NTLM_DOMAIN "FUZZ"
#define FIXED_NTLM_USER "alice"
#define FIXED_NTLM_PASSWORD "alice-pw"
#define FIXED_NTLM_NTHASH "D061EF15E9494B458016FA760CECDD63"

/* What gethostname() says. */
#define FIXED_HOST_NAME "fuzz"

/*
 * Once, before the first SSPI call: write the user file (alice of FUZZ
 * with alice-pw) to a new temporary directory (removed at exit) and point
 * NTLM_USER_FILE at it; set gss-ntlmssp's NetBIOS computer and domain
 * names (NETBIOS_COMPUTER_NAME, NETBIOS_DOMAIN_NAME), so that it asks
 * neither winbind nor the machine; reset the random streams.
 *
 * The file has the smbpasswd form (FUZZ\alice:1000:LM:NT:...), not the
 * cleartext FUZZ:alice:alice-pw: gss-ntlmssp 1.2 hashes a cleartext
 * password each time it checks a client and leaks about 6 KB doing so
 * (tests/lsan-gssntlmssp.supp), which made the target four times slower
 * (a fresh OpenSSL library context per hash) and its memory grow with
 * every accepted AUTHENTICATE.
 */
void fixed_ntlm_setup(void);

/*
 * Once, before the first SSPI call: an empty trust store (SSL_CERT_FILE,
 * SSL_CERT_DIR), so that no machine's roots take part in a handshake
 * (OpenSSL 3 lists the certificate directory at every lookup, four
 * times a handshake).
 */
void fixed_trust_setup(void);

/* Restart every random stream. */
void fixed_rng_reset(void);

/* Draws for libctx come from a stream of their own from now on. */
void fixed_rng_own_stream(OSSL_LIB_CTX *libctx);

/* Pin gettimeofday() to a fixed instant (true) or release it (false). */
void fixed_clock(bool pinned);

/*
 * Known bugs. A finding is reported once (with a reproducer named
 * crash-*.pending beside the target's seeds, which run.sh does not
 * load); until it is fixed the targets step around it, so that every
 * run does not stop at the same finding, and once the fix holds the
 * reproducer is renamed regress-* (an ordinary seed). Every finding so
 * far is fixed: fixed_known_bugs() is false unless
 * SSPIGSS_FUZZ_STEP_AROUND is set.
 */
bool fixed_known_bugs(void);

/*
 * Not the library's: whether token holds an NTLM AUTHENTICATE message
 * (raw, or inside a SPNEGO token) whose EncryptedRandomSessionKey is
 * shorter than 16 bytes, and fixed_known_bugs(). gss-ntlmssp 1.2.0 (and
 * its master in 2025) copies 16 bytes from that field whatever its
 * length once NEGOTIATE_KEY_EXCH was negotiated and the client's NTLMv2
 * proof has verified (src/gss_sec_ctx.c, gssntlm_accept_sec_context:
 * memcpy(encrypted_random_session_key.data, enc_sess_key.data, 16)): an
 * empty field is a NULL read, SIGSEGV; a shorter one a heap over-read.
 * The targets skip such tokens. Reproducers:
 * fuzz/corpus/ntlm_accept/regress-empty-session-key,
 * fuzz/corpus/negotiate_accept/regress-empty-session-key (both refused
 * by the library now).
 */
bool fixed_ntlm_known_bug(const unsigned char *token, size_t len);

#endif /* SSPIGSS_FUZZ_FIXED_H */
