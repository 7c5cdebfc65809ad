/*
 * realm.c - a Kerberos realm without a KDC for the fuzz targets (realm.h).
 */
#include "setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5/krb5.h>

#include "realm.h"

/*
 * MIT's ticket encoder and encryptor: exported by libkrb5 (with the
 * KDC's other helpers) but declared only in its private k5-int.h.
 * krb5_encrypt_tkt_part() encodes ticket->enc_part2 and encrypts it in
 * the service key into ticket->enc_part (key usage 2, as the KDC does);
 * encode_krb5_ticket() gives the Ticket's DER.
 */
krb5_error_code KRB5_CALLCONV krb5_encrypt_tkt_part(krb5_context context,
                                                    const krb5_keyblock *key,
                                                    krb5_ticket *ticket);
krb5_error_code encode_krb5_ticket(const krb5_ticket *rep, krb5_data **code);

/* The service's long-term key (as in fuzz_accept.c) and the ticket's
 * session key: fixed, so seed tokens made by one run decrypt in the next
 * (an AP-REP's encrypted part is in the session key). */
#define SERVICE_KEY_BYTE 0x5a
#define SESSION_KEY_BYTE 0x6b
#define KEY_LEN 32

/* ----------------------------------------------------------- randomness */

static uint64_t rng_state;

void
realm_rng_reset(void)
{
    rng_state = 0x5353504947535321ULL;      /* "SSPIGSS!" */
}

/*
 * Replaces libk5crypto's function of the same name for the whole process
 * (the executable's definition comes first in symbol lookup, and MIT
 * calls it through the PLT, also from inside libk5crypto). splitmix64:
 * any fixed stream would do; this one is short and has no short cycles.
 */
krb5_error_code KRB5_CALLCONV
krb5_c_random_make_octets(krb5_context context, krb5_data *data)
{
    unsigned int i;

    (void)context;
    for (i = 0; i < data->length; i += 8) {
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        memcpy(data->data + i, &z,
               data->length - i < 8 ? data->length - i : 8);
    }
    return 0;
}

/* ---------------------------------------------------------------- setup */

static void
check(krb5_error_code code, const char *what)
{
    if (code != 0) {
        fprintf(stderr, "realm: %s: krb5 error %ld\n", what, (long)code);
        abort();
    }
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void
make_keytab(krb5_context k, const char *name, krb5_principal service,
            krb5_keyblock *key)
{
    krb5_keytab kt;
    krb5_keytab_entry e;

    check(krb5_kt_resolve(k, name, &kt), "keytab");
    memset(&e, 0, sizeof(e));
    e.principal = service;
    e.vno = 1;
    e.key = *key;
    check(krb5_kt_add_entry(k, kt, &e), "keytab entry");
    krb5_kt_close(k, kt);
}

/*
 * Store in cc (initialised for client) a ticket for service as the KDC
 * would issue it: EncTicketPart with the session key, client, empty
 * transited encoding and times now..now+1 day, encrypted in the service
 * key (kvno 1), with its session key beside it.
 */
static void
forge_ticket(krb5_context k, krb5_ccache cc, krb5_principal client,
             krb5_principal service, krb5_keyblock *service_key,
             krb5_keyblock *session)
{
    krb5_enc_tkt_part part;
    krb5_ticket tkt;
    krb5_creds cr;
    krb5_data *der = NULL;
    krb5_timestamp now = (krb5_timestamp)time(NULL);

    memset(&part, 0, sizeof(part));
    part.flags = TKT_FLG_INITIAL | TKT_FLG_PRE_AUTH;
    part.session = session;
    part.client = client;
    part.transited.tr_type = KRB5_DOMAIN_X500_COMPRESS;
    part.times.authtime = now;
    part.times.starttime = now;
    part.times.endtime = now + 86400;
    memset(&tkt, 0, sizeof(tkt));
    tkt.server = service;
    tkt.enc_part2 = &part;
    check(krb5_encrypt_tkt_part(k, service_key, &tkt), "encrypt ticket");
    tkt.enc_part.kvno = 1;
    check(encode_krb5_ticket(&tkt, &der), "encode ticket");

    memset(&cr, 0, sizeof(cr));
    cr.client = client;
    cr.server = service;
    cr.keyblock = *session;
    cr.times = part.times;
    cr.ticket_flags = part.flags;
    cr.ticket = *der;
    check(krb5_cc_initialize(k, cc, client), "ccache");
    check(krb5_cc_store_cred(k, cc, &cr), "store ticket");
    krb5_free_data(k, der);
    free(tkt.enc_part.ciphertext.data);
}

static char dir[] = "/tmp/sspigss-fuzz-XXXXXX";

/* At exit (libFuzzer ends a timed run with exit()): leave no files. */
static void
remove_dir(void)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/krb5.conf", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/keytab", dir);
    unlink(path);
    rmdir(dir);
}

void
realm_setup(void)
{
    static bool done;
    unsigned char skey[KEY_LEN], sess[KEY_LEN];
    krb5_keyblock service_key, session;
    krb5_principal client, service;
    krb5_context k;
    krb5_ccache cc;
    char path[256];

    if (done)
        return;
    done = true;
    realm_rng_reset();
    if (mkdtemp(dir) == NULL || atexit(remove_dir) != 0)
        abort();
    snprintf(path, sizeof(path), "%s/krb5.conf", dir);
    write_file(path,
               "[libdefaults]\n"
               " default_realm = FUZZ.TEST\n"
               " dns_lookup_kdc = false\n"
               " dns_lookup_realm = false\n"
               " dns_uri_lookup = false\n"
               " dns_canonicalize_hostname = false\n"
               " rdns = false\n"
               " qualify_shortname = \"\"\n"
               "[domain_realm]\n"
               " fuzz.test = FUZZ.TEST\n"
               " .fuzz.test = FUZZ.TEST\n");
    setenv("KRB5_CONFIG", path, 1);
    snprintf(path, sizeof(path), "FILE:%s/keytab", dir);
    setenv("KRB5_KTNAME", path, 1);
    setenv("KRB5CCNAME", "MEMORY:sspigss-fuzz", 1);
    setenv("KRB5RCACHETYPE", "none", 1);

    check(krb5_init_context(&k), "context");
    check(krb5_parse_name(k, "alice@FUZZ.TEST", &client), "client");
    check(krb5_parse_name(k, REALM_TARGET, &service), "service");
    memset(skey, SERVICE_KEY_BYTE, sizeof(skey));
    memset(sess, SESSION_KEY_BYTE, sizeof(sess));
    memset(&service_key, 0, sizeof(service_key));
    service_key.enctype = ENCTYPE_AES256_CTS_HMAC_SHA1_96;
    service_key.length = sizeof(skey);
    service_key.contents = skey;
    session = service_key;
    session.contents = sess;
    make_keytab(k, path, service, &service_key);
    /* MEMORY caches live as long as the process, not the krb5 context. */
    check(krb5_cc_resolve(k, "MEMORY:sspigss-fuzz", &cc), "ccache");
    forge_ticket(k, cc, client, service, &service_key, &session);
    krb5_cc_close(k, cc);
    krb5_free_principal(k, client);
    krb5_free_principal(k, service);
    krb5_free_context(k);
}

void
realm_cred(ULONG use, CredHandle *out)
{
    TimeStamp ts;
    SECURITY_STATUS st;

    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", use, NULL,
                                   NULL, NULL, NULL, out, &ts);
    if (st != SEC_E_OK) {
        fprintf(stderr, "realm: AcquireCredentialsHandle: %s (%s)\n",
                sspigss_status_name(st), sspigss_last_error());
        abort();
    }
}

/* ----------------------------------------------------------- handshake */

void
realm_pair(CredHandle *client, CredHandle *server, ULONG isc_req,
           CtxtHandle *cctx, CtxtHandle *sctx)
{
    SECURITY_STATUS cst = SEC_I_CONTINUE_NEEDED, sst = SEC_I_CONTINUE_NEEDED;
    unsigned char *tok = NULL;
    ULONG tok_len = 0, attrs;
    bool have_c = false, have_s = false;
    TimeStamp ts;
    int leg;

    realm_rng_reset();
    for (leg = 0; cst != SEC_E_OK || sst != SEC_E_OK; leg++) {
        SecBuffer in = { tok_len, SECBUFFER_TOKEN, tok };
        SecBuffer out = { 0, SECBUFFER_TOKEN, NULL };
        SecBufferDesc ind = { SECBUFFER_VERSION, 1, &in };
        SecBufferDesc outd = { SECBUFFER_VERSION, 1, &out };
        SECURITY_STATUS st;

        if (leg == 6 || (leg > 0 && tok == NULL))
            abort();                /* a side waits for nothing */
        if (leg % 2 == 0) {
            st = cst = InitializeSecurityContextA(
                client, have_c ? cctx : NULL, (SEC_CHAR *)REALM_TARGET,
                isc_req | ISC_REQ_ALLOCATE_MEMORY, 0, SECURITY_NATIVE_DREP,
                tok != NULL ? &ind : NULL, 0, cctx, &outd, &attrs, &ts);
            have_c = true;
        } else {
            st = sst = AcceptSecurityContext(
                server, have_s ? sctx : NULL, &ind, ASC_REQ_ALLOCATE_MEMORY,
                SECURITY_NATIVE_DREP, sctx, &outd, &attrs, &ts);
            have_s = true;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            fprintf(stderr, "realm: handshake leg %d: %s (%s)\n", leg,
                    sspigss_status_name(st), sspigss_last_error());
            abort();
        }
        free(tok);
        tok = NULL;
        tok_len = 0;
        if (out.cbBuffer > 0) {
            tok = malloc(out.cbBuffer);
            if (tok == NULL)
                abort();
            memcpy(tok, out.pvBuffer, out.cbBuffer);
            tok_len = out.cbBuffer;
        }
        if (out.pvBuffer != NULL && FreeContextBuffer(out.pvBuffer)
            != SEC_E_OK)
            abort();
    }
    free(tok);
}

void
realm_seed(const char *name, const void *head, size_t head_len,
           const void *body, size_t body_len)
{
    const char *dir = getenv("SSPIGSS_FUZZ_SEEDS");
    char path[512];
    FILE *f;

    if (dir == NULL || *dir == '\0')
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(head, 1, head_len, f) != head_len
        || (body_len > 0 && fwrite(body, 1, body_len, f) != body_len)
        || fclose(f) != 0) {
        fprintf(stderr, "realm: cannot write seed %s\n", path);
        abort();
    }
}
