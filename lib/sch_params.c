/*
 * sch_params.c - SCH_CREDENTIALS' TLS_PARAMETERS over OpenSSL: protocols
 * and algorithms a credential disables (Microsoft Learn, TLS_PARAMETERS
 * structure and CRYPTO_SETTINGS structure).
 *
 * What callers send. curl's Schannel back end and .NET's SslStream give
 * grbitDisabledProtocols as the complement of what they allow (every
 * other bit set, client and server alike); curl disables cipher suites as
 * CNG algorithm names (BCRYPT_AES_ALGORITHM with a chaining mode and a key
 * length, BCRYPT_CHACHA20_POLY1305_ALGORITHM); .NET disables RSA padding
 * schemes ("SCH_RSA_PKCS_PAD", "SCH_RSA_PSS_PAD", usage CertSig). Names
 * Schannel would not know, and algorithms OpenSSL does not offer anyway,
 * disable nothing.
 *
 * How an algorithm maps. Each cipher suite OpenSSL offers is described
 * as CNG names: its cipher (AES, CHACHA20_POLY1305, 3DES), chaining mode
 * (ChainingModeGCM, ChainingModeCBC, ChainingModeCCM) and key length;
 * its digest (the record MAC's hash for CBC suites, else the handshake
 * hash: SHA1, SHA256, SHA384); for TLS 1.2, its key exchange (RSA, DH,
 * ECDH) and signature (RSA, ECDSA, DSA). A setting disables every suite
 * it matches: the same usage and name (case ignored), one of its chaining
 * modes if it lists any, a key length within [dwMinBitLength,
 * dwMaxBitLength] (0: no bound). Signature settings, and CertSig padding
 * settings, also take the matching signature algorithms out of the
 * handshake's list, which is how TLS 1.3 picks its signatures.
 */
#include "setup.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "internal.h"
#include "sch_params.h"

/* A suite described as CNG names ("" where it has none). */
struct suite_desc {
    const char *cipher, *mode, *digest, *kx, *sig;
    int bits;
    bool tls13;
};

/* Equal ignoring ASCII case: a counted UTF-16 string and a name. */
static bool
ustr_is(const UNICODE_STRING *u, const char *name)
{
    size_t n = u->Length / sizeof(WCHAR), i;

    if (u->Buffer == NULL || strlen(name) != n)
        return false;
    for (i = 0; i < n; i++) {
        WCHAR w = u->Buffer[i];
        char c = name[i];

        if (w >= 'a' && w <= 'z')
            w = (WCHAR)(w - 'a' + 'A');
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (w != (WCHAR)(unsigned char)c)
            return false;
    }
    return true;
}

static const char *
digest_name(int nid)
{
    switch (nid) {
    case NID_sha1:
        return "SHA1";
    case NID_sha256:
        return "SHA256";
    case NID_sha384:
        return "SHA384";
    case NID_md5:
        return "MD5";
    default:
        return "";
    }
}

const char *
sch_cipher_cng(int nid, const char **mode, ALG_ID *calg)
{
    static const struct {
        int nid;
        const char *name, *mode;
        ALG_ID calg;
    } map[] = {
        { NID_aes_128_gcm, "AES", "ChainingModeGCM", CALG_AES_128 },
        { NID_aes_256_gcm, "AES", "ChainingModeGCM", CALG_AES_256 },
        { NID_aes_128_cbc, "AES", "ChainingModeCBC", CALG_AES_128 },
        { NID_aes_256_cbc, "AES", "ChainingModeCBC", CALG_AES_256 },
        { NID_aes_128_ccm, "AES", "ChainingModeCCM", CALG_AES_128 },
        { NID_aes_256_ccm, "AES", "ChainingModeCCM", CALG_AES_256 },
        { NID_chacha20_poly1305, "CHACHA20_POLY1305", "", 0 },
        { NID_des_ede3_cbc, "3DES", "ChainingModeCBC", CALG_3DES },
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].nid == nid) {
            if (mode != NULL)
                *mode = map[i].mode;
            if (calg != NULL)
                *calg = map[i].calg;
            return map[i].name;
        }
    }
    if (mode != NULL)
        *mode = "";
    if (calg != NULL)
        *calg = 0;
    return NULL;
}

static void
describe(const SSL_CIPHER *sc, struct suite_desc *d)
{
    int nid = SSL_CIPHER_get_cipher_nid(sc);
    const EVP_MD *hd;

    memset(d, 0, sizeof(*d));
    d->cipher = d->mode = d->digest = d->kx = d->sig = "";
    d->bits = SSL_CIPHER_get_bits(sc, NULL);
    d->cipher = sch_cipher_cng(nid, &d->mode, NULL);
    if (d->cipher == NULL)
        d->cipher = "";
    d->digest = digest_name(SSL_CIPHER_get_digest_nid(sc));
    if (*d->digest == '\0' && (hd = SSL_CIPHER_get_handshake_digest(sc))
                                  != NULL)
        d->digest = digest_name(EVP_MD_get_type(hd));
    switch (SSL_CIPHER_get_kx_nid(sc)) {
    case NID_kx_rsa:
        d->kx = "RSA";
        break;
    case NID_kx_ecdhe:
        d->kx = "ECDH";
        break;
    case NID_kx_dhe:
        d->kx = "DH";
        break;
    case NID_kx_any:
        d->tls13 = true;
        break;
    default:
        break;
    }
    switch (SSL_CIPHER_get_auth_nid(sc)) {
    case NID_auth_rsa:
        d->sig = "RSA";
        break;
    case NID_auth_ecdsa:
        d->sig = "ECDSA";
        break;
    case NID_auth_dss:
        d->sig = "DSA";
        break;
    default:
        break;
    }
}

/* The key exchange names a setting may use for one of ours. */
static bool
kx_is(const UNICODE_STRING *u, const char *kx)
{
    if (*kx == '\0')
        return false;
    if (ustr_is(u, kx))
        return true;
    return (strcmp(kx, "ECDH") == 0 && ustr_is(u, "ECDHE"))
           || (strcmp(kx, "DH") == 0 && ustr_is(u, "DHE"));
}

static bool
setting_matches(const CRYPTO_SETTINGS *cs, const struct suite_desc *d)
{
    DWORD i;
    bool mode = cs->cChainingModes == 0;

    switch (cs->eAlgorithmUsage) {
    case TlsParametersCngAlgUsageCipher:
        if (*d->cipher == '\0' || !ustr_is(&cs->strCngAlgId, d->cipher))
            return false;
        for (i = 0; i < cs->cChainingModes && !mode; i++)
            mode = ustr_is(&cs->rgstrChainingModes[i], d->mode);
        if (!mode)
            return false;
        return (cs->dwMinBitLength == 0
                || (DWORD)d->bits >= cs->dwMinBitLength)
               && (cs->dwMaxBitLength == 0
                   || (DWORD)d->bits <= cs->dwMaxBitLength);
    case TlsParametersCngAlgUsageDigest:
        return *d->digest != '\0' && ustr_is(&cs->strCngAlgId, d->digest);
    case TlsParametersCngAlgUsageKeyExchange:
        return kx_is(&cs->strCngAlgId, d->kx);
    case TlsParametersCngAlgUsageSignature:
        return *d->sig != '\0' && ustr_is(&cs->strCngAlgId, d->sig);
    default:
        return false;
    }
}

/* The handshake signature algorithms, strongest first, with what a
 * Signature or CertSig setting names them by. */
static const struct {
    const char *name, *alg, *pad;
} sigalgs[] = {
    { "ecdsa_secp256r1_sha256", "ECDSA", "" },
    { "ecdsa_secp384r1_sha384", "ECDSA", "" },
    { "ecdsa_secp521r1_sha512", "ECDSA", "" },
    { "ed25519", "", "" },
    { "ed448", "", "" },
    { "rsa_pss_pss_sha256", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pss_pss_sha384", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pss_pss_sha512", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pss_rsae_sha256", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pss_rsae_sha384", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pss_rsae_sha512", "RSA", "SCH_RSA_PSS_PAD" },
    { "rsa_pkcs1_sha256", "RSA", "SCH_RSA_PKCS_PAD" },
    { "rsa_pkcs1_sha384", "RSA", "SCH_RSA_PKCS_PAD" },
    { "rsa_pkcs1_sha512", "RSA", "SCH_RSA_PKCS_PAD" },
    { "ecdsa_sha1", "ECDSA", "" },
    { "rsa_pkcs1_sha1", "RSA", "SCH_RSA_PKCS_PAD" },
};

static bool
sigalg_disabled(size_t k, const CRYPTO_SETTINGS *cs)
{
    if (cs->eAlgorithmUsage == TlsParametersCngAlgUsageSignature)
        return *sigalgs[k].alg != '\0'
               && ustr_is(&cs->strCngAlgId, sigalgs[k].alg);
    if (cs->eAlgorithmUsage == TlsParametersCngAlgUsageCertSig)
        return *sigalgs[k].pad != '\0'
               && ustr_is(&cs->strCngAlgId, sigalgs[k].pad);
    return false;
}

/* A list "a:b:c" into buf; false when it does not fit. */
static bool
list_add(char *buf, size_t size, size_t *len, const char *name)
{
    size_t n = strlen(name);

    if (*len + n + 2 > size)
        return false;
    if (*len > 0)
        buf[(*len)++] = ':';
    memcpy(buf + *len, name, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

/* Every TLS_PARAMETERS' disabled algorithms, applied to ctx. *has12 and
 * *has13 say whether any TLS 1.2 / 1.3 suite is left. */
static SECURITY_STATUS
apply_crypto(SSL_CTX *ctx, const TLS_PARAMETERS *tp, DWORD ntp, bool *has12,
             bool *has13)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
    char l12[4096] = "", l13[512] = "", lsig[1024] = "";
    size_t n12 = 0, n13 = 0, nsig = 0, k;
    bool any = false, sig_any = false;
    DWORD i, j;
    int s;

    for (i = 0; i < ntp; i++)
        any |= tp[i].cAlpnIds == 0 && tp[i].cDisabledCrypto > 0;
    *has12 = *has13 = true;
    if (!any)
        return SEC_E_OK;
    *has12 = *has13 = false;
    for (s = 0; sk != NULL && s < sk_SSL_CIPHER_num(sk); s++) {
        const SSL_CIPHER *sc = sk_SSL_CIPHER_value(sk, s);
        struct suite_desc d;
        bool off = false;

        describe(sc, &d);
        for (i = 0; i < ntp && !off; i++)
            for (j = 0; tp[i].cAlpnIds == 0 && j < tp[i].cDisabledCrypto
                        && !off; j++)
                off = setting_matches(&tp[i].pDisabledCrypto[j], &d);
        if (off)
            continue;
        if (!list_add(d.tls13 ? l13 : l12, d.tls13 ? sizeof(l13)
                                                   : sizeof(l12),
                      d.tls13 ? &n13 : &n12, SSL_CIPHER_get_name(sc)))
            return SEC_E_INSUFFICIENT_MEMORY;
        *(d.tls13 ? has13 : has12) = true;
    }
    for (k = 0; k < sizeof(sigalgs) / sizeof(sigalgs[0]); k++) {
        bool off = false;

        for (i = 0; i < ntp && !off; i++)
            for (j = 0; tp[i].cAlpnIds == 0 && j < tp[i].cDisabledCrypto
                        && !off; j++)
                off = sigalg_disabled(k, &tp[i].pDisabledCrypto[j]);
        sig_any |= off;
        if (!off && !list_add(lsig, sizeof(lsig), &nsig, sigalgs[k].name))
            return SEC_E_INSUFFICIENT_MEMORY;
    }
    /* An empty list leaves that version nothing: the caller narrows the
     * versions, and OpenSSL is given a list it accepts. */
    if ((*has12 && SSL_CTX_set_cipher_list(ctx, l12) != 1)
        || SSL_CTX_set_ciphersuites(ctx, l13) != 1)
        return SEC_E_INTERNAL_ERROR;
    if (sig_any && (nsig == 0 || SSL_CTX_set1_sigalgs_list(ctx, lsig) != 1
                    || SSL_CTX_set1_client_sigalgs_list(ctx, lsig) != 1)) {
        trace_cause("Schannel: TLS_PARAMETERS disable every signature "
                    "algorithm -> SEC_E_ALGORITHM_MISMATCH");
        return SEC_E_ALGORITHM_MISMATCH;
    }
    return SEC_E_OK;
}

/* Microsoft's limits on the structure ("it is an error to specify more
 * than ..."), and TLS_PARAMS_OPTIONAL only for a server. */
static bool
params_valid(const TLS_PARAMETERS *tp, DWORD ntp, bool server)
{
    DWORD i, j;

    if (ntp > SCH_CRED_MAX_SUPPORTED_PARAMETERS || (ntp > 0 && tp == NULL))
        return false;
    for (i = 0; i < ntp; i++) {
        if (tp[i].cAlpnIds > SCH_CRED_MAX_SUPPORTED_ALPN_IDS
            || (tp[i].cAlpnIds > 0 && tp[i].rgstrAlpnIds == NULL)
            || tp[i].cDisabledCrypto > SCH_CRED_MAX_SUPPORTED_CRYPTO_SETTINGS
            || (tp[i].cDisabledCrypto > 0 && tp[i].pDisabledCrypto == NULL)
            || (!server && (tp[i].dwFlags & TLS_PARAMS_OPTIONAL)))
            return false;
        for (j = 0; j < tp[i].cDisabledCrypto; j++) {
            const CRYPTO_SETTINGS *cs = &tp[i].pDisabledCrypto[j];

            if (cs->cChainingModes > SCH_CRED_MAX_SUPPORTED_CHAINING_MODES
                || (cs->cChainingModes > 0 && cs->rgstrChainingModes == NULL))
                return false;
        }
    }
    return true;
}

/* ------------------------------------------- restrictions per protocol */

/*
 * One TLS_PARAMETERS with ALPN ids, copied out of the caller's memory
 * (the credential outlives the structures it was made from): the ids as
 * the bytes ALPN carries (UTF-16 code units below 256, one byte each),
 * the side's disabled protocol bits, the crypto settings with their
 * strings.
 */
struct scoped_rule {
    struct scoped_rule *next;
    DWORD nids;
    unsigned char ids[SCH_CRED_MAX_SUPPORTED_ALPN_IDS][255];
    unsigned char idlen[SCH_CRED_MAX_SUPPORTED_ALPN_IDS];
    DWORD disabled;                 /* SP_PROT_* bits */
    bool optional;                  /* TLS_PARAMS_OPTIONAL */
    DWORD ncrypto;
    CRYPTO_SETTINGS crypto[SCH_CRED_MAX_SUPPORTED_CRYPTO_SETTINGS];
    UNICODE_STRING modes[SCH_CRED_MAX_SUPPORTED_CRYPTO_SETTINGS]
                        [SCH_CRED_MAX_SUPPORTED_CHAINING_MODES];
};

struct sch_alpn_params {
    struct scoped_rule *rules;
};

static void
ustr_free(UNICODE_STRING *u)
{
    free(u->Buffer);
    u->Buffer = NULL;
}

static bool
ustr_copy(UNICODE_STRING *dst, const UNICODE_STRING *src)
{
    size_t n = src->Buffer != NULL ? src->Length / sizeof(WCHAR) : 0;

    dst->Buffer = calloc(n + 1, sizeof(WCHAR));
    if (dst->Buffer == NULL)
        return false;
    if (n > 0)
        memcpy(dst->Buffer, src->Buffer, n * sizeof(WCHAR));
    dst->Length = dst->MaximumLength = (USHORT)(n * sizeof(WCHAR));
    return true;
}

static void
rule_free(struct scoped_rule *r)
{
    DWORD i, j;

    for (i = 0; i < r->ncrypto; i++) {
        ustr_free(&r->crypto[i].strCngAlgId);
        for (j = 0; j < r->crypto[i].cChainingModes; j++)
            ustr_free(&r->modes[i][j]);
    }
    free(r);
}

void
sch_alpn_params_free(struct sch_alpn_params *p)
{
    if (p == NULL)
        return;
    while (p->rules != NULL) {
        struct scoped_rule *r = p->rules;

        p->rules = r->next;
        rule_free(r);
    }
    free(p);
}

static SECURITY_STATUS
scoped_add(struct sch_alpn_params **scoped, const TLS_PARAMETERS *tp,
           bool server)
{
    struct scoped_rule *r = calloc(1, sizeof(*r));
    DWORD i, j, k;

    if (r == NULL)
        return SEC_E_INSUFFICIENT_MEMORY;
    for (i = 0; i < tp->cAlpnIds; i++) {
        const UNICODE_STRING *u = &tp->rgstrAlpnIds[i];
        size_t n = u->Buffer != NULL ? u->Length / sizeof(WCHAR) : 0;

        if (n == 0 || n > 255) {
            rule_free(r);
            trace_cause("Schannel: TLS_PARAMETERS names an ALPN id of "
                        "%zu characters (1 to 255) "
                        "-> SEC_E_UNKNOWN_CREDENTIALS", n);
            return SEC_E_UNKNOWN_CREDENTIALS;
        }
        for (k = 0; k < n; k++) {
            if (u->Buffer[k] > 0xff) {
                rule_free(r);
                trace_cause("Schannel: an ALPN id of TLS_PARAMETERS is "
                            "not bytes -> SEC_E_UNKNOWN_CREDENTIALS");
                return SEC_E_UNKNOWN_CREDENTIALS;
            }
            r->ids[i][k] = (unsigned char)u->Buffer[k];
        }
        r->idlen[i] = (unsigned char)n;
    }
    r->nids = tp->cAlpnIds;
    r->disabled = tp->grbitDisabledProtocols
                  & (server ? (SP_PROT_TLS1_2_SERVER | SP_PROT_TLS1_3_SERVER)
                            : (SP_PROT_TLS1_2_CLIENT
                               | SP_PROT_TLS1_3_CLIENT));
    r->optional = (tp->dwFlags & TLS_PARAMS_OPTIONAL) != 0;
    for (i = 0; i < tp->cDisabledCrypto; i++) {
        const CRYPTO_SETTINGS *cs = &tp->pDisabledCrypto[i];
        CRYPTO_SETTINGS *d = &r->crypto[i];

        *d = *cs;
        d->cChainingModes = 0;
        d->rgstrChainingModes = r->modes[i];
        r->ncrypto = i + 1;
        if (!ustr_copy(&d->strCngAlgId, &cs->strCngAlgId)) {
            d->strCngAlgId.Buffer = NULL;
            rule_free(r);
            return SEC_E_INSUFFICIENT_MEMORY;
        }
        for (j = 0; j < cs->cChainingModes; j++) {
            if (!ustr_copy(&r->modes[i][j], &cs->rgstrChainingModes[j])) {
                rule_free(r);
                return SEC_E_INSUFFICIENT_MEMORY;
            }
            d->cChainingModes = j + 1;
        }
    }
    if (*scoped == NULL) {
        *scoped = calloc(1, sizeof(**scoped));
        if (*scoped == NULL) {
            rule_free(r);
            return SEC_E_INSUFFICIENT_MEMORY;
        }
    }
    r->next = (*scoped)->rules;
    (*scoped)->rules = r;
    return SEC_E_OK;
}

bool
sch_alpn_violation(const struct sch_alpn_params *p, bool server,
                   const unsigned char *alpn, unsigned int len, int version,
                   const SSL_CIPHER *cipher, const char **why)
{
    const struct scoped_rule *r;
    struct suite_desc d;
    DWORD i;

    if (p == NULL || alpn == NULL || len == 0)
        return false;
    if (cipher != NULL)
        describe(cipher, &d);
    for (r = p->rules; r != NULL; r = r->next) {
        bool named = false;

        for (i = 0; i < r->nids && !named; i++)
            named = r->idlen[i] == len && memcmp(r->ids[i], alpn, len) == 0;
        if (!named || r->optional)
            continue;
        if ((version == TLS1_2_VERSION
             && (r->disabled & (server ? SP_PROT_TLS1_2_SERVER
                                       : SP_PROT_TLS1_2_CLIENT)))
            || (version == TLS1_3_VERSION
                && (r->disabled & (server ? SP_PROT_TLS1_3_SERVER
                                          : SP_PROT_TLS1_3_CLIENT)))) {
            *why = "its TLS version is disabled for that application "
                   "protocol";
            return true;
        }
        for (i = 0; cipher != NULL && i < r->ncrypto; i++) {
            if (setting_matches(&r->crypto[i], &d)) {
                *why = "its cipher suite is disabled for that application "
                       "protocol";
                return true;
            }
        }
    }
    return false;
}

SECURITY_STATUS
sch_tls_parameters(SSL_CTX *ctx, bool server, const SCH_CREDENTIALS *s5,
                   int *min, int *max, struct sch_alpn_params **scoped)
{
    const DWORD bit12 = server ? SP_PROT_TLS1_2_SERVER
                               : SP_PROT_TLS1_2_CLIENT;
    const DWORD bit13 = server ? SP_PROT_TLS1_3_SERVER
                               : SP_PROT_TLS1_3_CLIENT;
    const TLS_PARAMETERS *tp = s5->pTlsParameters;
    DWORD ntp = s5->cTlsParameters, disabled = 0, i;
    bool has12, has13, on12, on13;
    SECURITY_STATUS st;

    if (!params_valid(tp, ntp, server)) {
        trace_cause("Schannel: SCH_CREDENTIALS.pTlsParameters breaks the "
                    "limits of TLS_PARAMETERS (counts, NULL arrays, "
                    "TLS_PARAMS_OPTIONAL on a client) "
                    "-> SEC_E_UNKNOWN_CREDENTIALS");
        return SEC_E_UNKNOWN_CREDENTIALS;
    }
    *scoped = NULL;
    for (i = 0; i < ntp; i++) {
        if (tp[i].cAlpnIds > 0) {
            /* For some application protocols only: decided once the
             * handshake has chosen one (sch_alpn_violation). */
            st = scoped_add(scoped, &tp[i], server);
            if (st != SEC_E_OK) {
                sch_alpn_params_free(*scoped);
                *scoped = NULL;
                return st;
            }
            continue;
        }
        disabled |= tp[i].grbitDisabledProtocols;
    }
    st = apply_crypto(ctx, tp, ntp, &has12, &has13);
    if (st != SEC_E_OK)
        return st;
    /* The versions left: those of [*min, *max] (TLS 1.2 and 1.3 when not
     * set, the system default) not disabled, with suites left. */
    on12 = (*min == 0 || *min <= TLS1_2_VERSION)
           && (*max == 0 || *max >= TLS1_2_VERSION)
           && !(disabled & bit12) && has12;
    on13 = (*max == 0 || *max >= TLS1_3_VERSION)
           && !(disabled & bit13) && has13;
    if (!on12 && !on13) {
        trace_cause("Schannel: TLS_PARAMETERS leave no TLS version (1.2, "
                    "1.3) with a cipher suite for a %s "
                    "-> SEC_E_ALGORITHM_MISMATCH",
                    server ? "server" : "client");
        return SEC_E_ALGORITHM_MISMATCH;
    }
    *min = on12 ? (*min != 0 && *min < TLS1_2_VERSION ? *min
                                                      : TLS1_2_VERSION)
                : TLS1_3_VERSION;
    *max = on13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    return SEC_E_OK;
}
