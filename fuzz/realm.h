/*
 * realm.h - a Kerberos realm without a KDC, for the fuzz targets that need
 * a client or a service (fuzz_initiate, fuzz_message, fuzz_target).
 *
 * realm_setup() makes, in a new temporary directory (removed at exit):
 *  - a krb5.conf for FUZZ.TEST that names no KDC and never asks DNS
 *    (no KDC, realm, URI or host name lookups), so no input can make a
 *    target wait on the network;
 *  - a keytab with a fixed AES256 key for host/fuzz.test@FUZZ.TEST;
 *  - a MEMORY credential cache for alice@FUZZ.TEST holding one service
 *    ticket for host/fuzz.test@FUZZ.TEST, forged with that key and a fixed
 *    session key as a KDC would have issued it (valid from now for a day);
 * and points KRB5_CONFIG, KRB5_KTNAME and KRB5CCNAME at them (and turns
 * the replay cache off). The default outbound credential is then alice's,
 * the default inbound one the service's, and a handshake between the two
 * needs nothing outside the process.
 *
 * Randomness: realm.c replaces krb5_c_random_make_octets(), the one
 * source of random bytes of MIT's libraries (keys, subkeys, initial
 * sequence numbers, confounders), with a fixed stream that
 * realm_rng_reset() restarts. A handshake made after a reset has the same
 * keys and sequence numbers in every run, so a message made by one run
 * (a seed file) is a valid message for the next, and a finding replays.
 *
 * Everything here aborts on failure: a harness that cannot set up must
 * not report "no findings".
 */
#ifndef SSPIGSS_FUZZ_REALM_H
#define SSPIGSS_FUZZ_REALM_H

#include <stddef.h>

#include <sspigss/sspigss.h>

/* The service the forged ticket is for, as a pszTargetName. */
#define REALM_TARGET "host/fuzz.test@FUZZ.TEST"

/* Set up the realm (once; later calls do nothing). */
void realm_setup(void);

/* Restart the replacement random stream. */
void realm_rng_reset(void);

/*
 * Acquire the default credential of one direction (SECPKG_CRED_OUTBOUND:
 * alice's ticket; SECPKG_CRED_INBOUND: the keytab) of "Kerberos".
 */
void realm_cred(ULONG use, CredHandle *out);

/*
 * Establish a context pair between client (outbound) and server
 * (inbound) credentials with the token loop of Windows code: ISC, ASC,
 * ISC ... with ALLOCATE_MEMORY, isc_req added. The random stream is
 * restarted first, so the pair has the same keys every time. Aborts
 * unless both sides complete.
 */
void realm_pair(CredHandle *client, CredHandle *server, ULONG isc_req,
                CtxtHandle *cctx, CtxtHandle *sctx);

/*
 * When SSPIGSS_FUZZ_SEEDS names a directory, write a seed file there:
 * name, the bytes of head then body. fuzz/run.sh sets it to the run's
 * corpus, so every run starts from messages valid for its own keys even
 * if the random stream ever stops being MIT's only source; run by hand
 * with SSPIGSS_FUZZ_SEEDS=fuzz/corpus/<target> -runs=0 to renew the seed
 * files checked in.
 */
void realm_seed(const char *name, const void *head, size_t head_len,
                const void *body, size_t body_len);

#endif /* SSPIGSS_FUZZ_REALM_H */
