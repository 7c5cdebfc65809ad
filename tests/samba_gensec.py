#!/usr/bin/python3
"""samba_gensec.py - libsspigss's Negotiate package against Samba's own
SPNEGO and NTLMSSP (auth/gensec/spnego.c, auth/ntlmssp/ in Samba 4.17),
over NTLM, both directions, in one process: libsspigss through ctypes
(the helpers of tests/sspilib_ctypes.py), Samba through its Python
bindings (samba.gensec, as Samba's python/samba/tests/gensec.py drives
them); tokens pass between the two directly.

Samba's acceptor checks NTLM responses itself: an in-process AuthContext
with the "sam" method over the sam.ldb of the harness's AD DC template
(tests/harness/samba.sh: domain SAMBA, alice "alice-pw-1"); no samba
process runs. Samba resets its NTLM crypto state after the SPNEGO
exchange (gensec_may_reset_crypto), independently of MIT's SPNEGO, which
makes it the Windows-compatible peer these cases want:

  A. libsspigss client, PackageList "NTLM" (two legs, lib/negotiate.c
     neg_ntlm_init) -> Samba server: the server's final token (its
     mechListMIC) is never given to the client, so the server's first
     message has to pass ntlm_msg_peer_mic_unseen; wrap/unwrap and
     sign/check both ways, server first (A2: client first).
  B. The same with PackageList "!Kerberos" (MIT's three-leg SPNEGO): the
     client takes the server's final token at ISC #3.
  C. Samba client (NTLM only) -> libsspigss Negotiate server: Samba's
     client waits for the server's mechListMIC, so ASC #2 must return it.
  D. Wrong passwords: Samba's acceptor refuses A's AUTHENTICATE, and our
     acceptor refuses Samba's client's.
  E. A mechListMIC changed in one byte: Samba's acceptor refuses our
     client's, our acceptor refuses Samba's client's, Samba's client
     refuses our acceptor's (each side really checks the other's MIC).

Usage: /usr/bin/python3 samba_gensec.py LIBSSPIGSS DCDIR
       (DCDIR: a copy of the harness's DC template with its smb.conf;
       NTLM_USER_FILE must hold "SAMBA:alice:alice-pw-1" for case C;
       tests/check_samba_gensec.sh sets all this up). SAMBA_GENSEC_DEBUG=N
       raises Samba's log level. Exit 0 when no check failed, 1 otherwise.
"""

import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sspilib_ctypes as S  # noqa: E402  (ctypes helpers, check counters)
from sspilib_ctypes import (  # noqa: E402
    Cred, Ctx, Desc, ULONG, check, check_st, ex_identity, name_of,
    read_wstr, SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_E_LOGON_DENIED,
    SECBUFFER_DATA, SECBUFFER_STREAM, SECBUFFER_TOKEN,
    SECPKG_CRED_INBOUND, SECPKG_CRED_OUTBOUND, SECPKG_ATTR_NAMES,
    SECPKG_ATTR_SESSION_KEY, SecPkgContext_NamesW, SecPkgContext_SessionKey,
    ISC_REQ_CONFIDENTIALITY, ISC_REQ_INTEGRITY, ASC_REQ_CONFIDENTIALITY,
    ASC_REQ_INTEGRITY)

try:
    import samba
    from samba import auth, credentials, gensec
    from samba.param import LoadParm
except ImportError as e:  # the shell script checks first; say it anyway
    print("samba_gensec: SKIP: no Samba Python bindings (%s)" % e)
    sys.exit(77)

USER, DOMAIN, PASSWORD = "alice", "SAMBA", "alice-pw-1"
TARGET = "host/localhost"
ISC_REQ = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY
ASC_REQ = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY
ROUNDS = 3


class Samba:
    """Samba's side: loadparm of the DC copy, gensec contexts."""

    def __init__(self, dcdir):
        self.lp = LoadParm()
        self.lp.load(os.path.join(dcdir, "smb.conf"))
        level = os.environ.get("SAMBA_GENSEC_DEBUG")
        if level:
            self.lp.set("log level", level)
        self.settings = {"lp_ctx": self.lp, "target_hostname": "localhost"}

    def creds(self, user=None, password=None):
        c = credentials.Credentials()
        c.guess(self.lp)
        if user is not None:
            c.set_username(user)
            c.set_domain(DOMAIN)
            c.set_password(password)
        # NTLMSSP only: no Kerberos mechanism in Samba's SPNEGO mech list.
        c.set_kerberos_state(credentials.DONT_USE_KERBEROS)
        return c

    def _features(self, g):
        g.want_feature(gensec.FEATURE_SIGN)
        g.want_feature(gensec.FEATURE_SEAL)
        g.start_mech_by_name("spnego")
        return g

    def server(self):
        # The "sam" auth method: NTLM responses checked against sam.ldb
        # in this process, as the DC's own NETLOGON/SMB servers do.
        ac = auth.AuthContext(lp_ctx=self.lp, methods=["sam"])
        g = gensec.Security.start_server(settings=self.settings,
                                         auth_context=ac)
        g.set_credentials(self.creds())
        return self._features(g)

    def client(self, password=PASSWORD):
        g = gensec.Security.start_client(self.settings)
        g.set_credentials(self.creds(USER, password))
        g.set_target_service("host")
        g.set_target_hostname("localhost")
        return self._features(g)


def nt_error(e):
    """An NTSTATUSError's code and text."""
    try:
        code, text = e.args[0], e.args[1]
        return "0x%08X %s" % (code & 0xFFFFFFFF, text)
    except (IndexError, TypeError):
        return repr(e)


def samba_update(g, token):
    """gensec update: (finished, out, None) or (None, None, error text)."""
    try:
        done, out = g.update(token)
        return done, out, None
    except (samba.NTSTATUSError, RuntimeError) as e:
        return None, None, nt_error(e)


def isc(lib, ctx, cred, token):
    """One InitializeSecurityContextW, a 4096-byte output TOKEN."""
    out = Desc([(SECBUFFER_TOKEN, 4096)])
    inp = Desc([(SECBUFFER_TOKEN, token)]) if token else None
    st = ctx.isc(cred, TARGET, ISC_REQ, inp, out)
    return st, out.data(0)


def asc(lib, ctx, cred, token):
    out = Desc([(SECBUFFER_TOKEN, 4096)])
    st = ctx.asc(cred, ASC_REQ, Desc([(SECBUFFER_TOKEN, token)]), out)
    return st, out.data(0)


def query_names(lib, ctx):
    n = SecPkgContext_NamesW()
    st = lib.QueryContextAttributesW(ctypes.byref(ctx.h), SECPKG_ATTR_NAMES,
                                     ctypes.byref(n))
    name = read_wstr(n.sUserName)
    if n.sUserName:
        lib.FreeContextBuffer(n.sUserName)
    return st & 0xFFFFFFFF, name


def query_session_key(lib, ctx):
    k = SecPkgContext_SessionKey()
    st = lib.QueryContextAttributesW(ctypes.byref(ctx.h),
                                     SECPKG_ATTR_SESSION_KEY,
                                     ctypes.byref(k))
    key = (ctypes.string_at(k.SessionKey, k.SessionKeyLength)
           if k.SessionKey else b"")
    if k.SessionKey:
        lib.FreeContextBuffer(k.SessionKey)
    return st & 0xFFFFFFFF, key


def sizes(lib, ctx):
    sz = S.SecPkgContext_Sizes()
    st = lib.QueryContextAttributesW(ctypes.byref(ctx.h), S.SECPKG_ATTR_SIZES,
                                     ctypes.byref(sz))
    return st & 0xFFFFFFFF, sz


def our_seal(lib, ctx, plain, trailer):
    """EncryptMessage [TOKEN, DATA]: (status, token + ciphertext)."""
    d = Desc([(SECBUFFER_TOKEN, trailer), (SECBUFFER_DATA, plain)])
    st = lib.EncryptMessage(ctypes.byref(ctx.h), 0, d.ref, 0)
    return st & 0xFFFFFFFF, d.data(0) + d.data(1)


def our_unseal(lib, ctx, wrapped):
    """DecryptMessage [STREAM, DATA]: (status, plaintext)."""
    u = Desc([(SECBUFFER_STREAM, wrapped), (SECBUFFER_DATA, None)])
    qop = ULONG(0xFFFF)
    st = lib.DecryptMessage(ctypes.byref(ctx.h), u.ref, 0, ctypes.byref(qop))
    return st & 0xFFFFFFFF, u.data(1)


def our_sign(lib, ctx, data, maxsig):
    d = Desc([(SECBUFFER_DATA, data), (SECBUFFER_TOKEN, maxsig)])
    st = lib.MakeSignature(ctypes.byref(ctx.h), 0, d.ref, 0)
    return st & 0xFFFFFFFF, d.data(1)


def our_verify(lib, ctx, data, sig):
    d = Desc([(SECBUFFER_DATA, data), (SECBUFFER_TOKEN, sig)])
    qop = ULONG(0xFFFF)
    st = lib.VerifySignature(ctypes.byref(ctx.h), d.ref, 0,
                             ctypes.byref(qop))
    return st & 0xFFFFFFFF


def messages(lib, ours, theirs, case, ours_is, ours_first=False):
    """Messages both ways, Samba's side first unless ours_first (with an
    unsent mechListMIC on one side, the first message after the handshake
    is the one whose sequence number tells), then sign/check both ways."""
    st, sz = sizes(lib, ours)
    if not check_st("%s: QueryContextAttributesW(SIZES)" % case, st,
                    SEC_E_OK):
        return
    them = "Samba " + ("server" if ours_is == "client" else "client")

    def theirs_to_ours(r):
        plain = ("%s: %s -> libsspigss %s, round %d"
                 % (case, them, ours_is, r)).encode() + os.urandom(16)
        try:
            wrapped = theirs.wrap(plain)
            err = None
        except (samba.NTSTATUSError, RuntimeError) as e:
            wrapped, err = b"", nt_error(e)
        if not check("%s: %s wrap, round %d" % (case, them, r),
                     err is None, err or ""):
            return False
        st, got = our_unseal(lib, ours, wrapped)
        # NTLMSSP signature (MS-NLMP 2.2.2.9.1): version, checksum, then
        # the sequence number, in clear with extended session security.
        seq = int.from_bytes(wrapped[12:16], "little")
        return check("%s: our DecryptMessage of %s's wrap (%d bytes, "
                     "sequence number %d), round %d"
                     % (case, them, len(wrapped), seq, r),
                     st == SEC_E_OK and got == plain,
                     "%s%s" % (name_of(st), "" if got == plain or
                               st != SEC_E_OK else ", wrong plaintext"))

    def ours_to_theirs(r):
        plain = ("%s: libsspigss %s -> %s, round %d"
                 % (case, ours_is, them, r)).encode() + os.urandom(16)
        st, wrapped = our_seal(lib, ours, plain, sz.cbSecurityTrailer)
        if not check_st("%s: our EncryptMessage [TOKEN, DATA], round %d"
                        % (case, r), st, SEC_E_OK):
            return False
        seq = int.from_bytes(wrapped[12:16], "little")
        try:
            got, err = theirs.unwrap(wrapped), None
        except (samba.NTSTATUSError, RuntimeError) as e:
            got, err = None, nt_error(e)
        return check("%s: %s unwrap of our EncryptMessage (%d bytes, "
                     "sequence number %d), round %d"
                     % (case, them, len(wrapped), seq, r),
                     err is None and got == plain,
                     err or "wrong plaintext")

    order = ((ours_to_theirs, theirs_to_ours) if ours_first
             else (theirs_to_ours, ours_to_theirs))
    for r in range(ROUNDS):
        for step in order:
            if not step(r):
                return
    # Signatures: Samba's sign_packet(data, whole_pdu) signs whole_pdu
    # (NTLMSSP's signature covers the whole PDU); with whole_pdu = data it
    # is MakeSignature's over [DATA].
    for r in range(2):
        data = ("%s: signed by %s, %d" % (case, them, r)).encode()
        try:
            sig, err = theirs.sign_packet(data, data), None
        except (samba.NTSTATUSError, RuntimeError) as e:
            sig, err = b"", nt_error(e)
        if not check("%s: %s sign_packet, round %d" % (case, them, r),
                     err is None and len(sig) == 16, err or repr(sig)):
            return
        st = our_verify(lib, ours, data, sig)
        if not check_st("%s: our VerifySignature of %s's signature, round %d"
                        % (case, them, r), st, SEC_E_OK):
            return
        data = ("%s: signed by libsspigss %s, %d" % (case, ours_is,
                                                     r)).encode()
        st, sig = our_sign(lib, ours, data, sz.cbMaxSignature)
        if not check_st("%s: our MakeSignature, round %d" % (case, r), st,
                        SEC_E_OK):
            return
        try:
            theirs.check_packet(data, data, sig)
            err = None
        except (samba.NTSTATUSError, RuntimeError) as e:
            err = nt_error(e)
        if not check("%s: %s check_packet of our signature, round %d"
                     % (case, them, r), err is None, err or ""):
            return
    # And a tampered signature is refused by Samba.
    data = ("%s: tampered" % case).encode()
    st, sig = our_sign(lib, ours, data, sz.cbMaxSignature)
    try:
        theirs.check_packet(data + b"!", data + b"!", sig)
        err = None
    except (samba.NTSTATUSError, RuntimeError) as e:
        err = nt_error(e)
    check("%s: %s check_packet refuses a signature over other data"
          % (case, them), err is not None, "accepted")


def same_session_key(lib, ours, theirs, case):
    st, key = query_session_key(lib, ours)
    try:
        skey = theirs.session_key()
    except (samba.NTSTATUSError, RuntimeError) as e:
        skey = nt_error(e)
    check("%s: SESSION_KEY equals Samba's session_key() (16 bytes)" % case,
          st == SEC_E_OK and len(key) == 16 and key == skey,
          "%s, ours %s, Samba's %r" % (name_of(st), key.hex(), skey))


def der(b, i):
    """The DER element at b[i]: (tag, start of its value, end)."""
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n


def neg_resp(tok):
    """A NegTokenResp's fields (RFC 4178 4.2.2), by context number:
    {0: negState, 2: responseToken, 3: mechListMIC} as (start, end) of
    each field's inner value (the ENUMERATED or OCTET STRING's bytes);
    None when tok is not a NegTokenResp."""
    try:
        tag, s, e = der(tok, 0)
        if tag != 0xA1:
            return None
        tag, s, e = der(tok, s)
        if tag != 0x30:
            return None
        out = {}
        while s < e:
            tag, vs, ve = der(tok, s)
            _, is_, ie = der(tok, vs)
            out[tag & 0x1F] = (is_, ie)
            s = ve
        return out
    except IndexError:
        return None


def flip_mic(tok):
    """tok with one byte of its mechListMIC's checksum changed (MS-NLMP
    2.2.2.9.1: version 4 bytes, checksum 8, sequence number 4)."""
    f = neg_resp(tok) or {}
    if 3 not in f or f[3][1] - f[3][0] != 16:
        return None
    b = bytearray(tok)
    b[f[3][0] + 6] ^= 0x5A
    return bytes(b)


def tok_byte(tok, span):
    return tok[span[0]] if span[1] > span[0] else None


def describe(tok):
    f = neg_resp(tok)
    if f is None:
        return "not a NegTokenResp"
    parts = []
    if 0 in f:
        parts.append("negState %d" % tok[f[0][0]])
    if 2 in f:
        parts.append("responseToken %d bytes" % (f[2][1] - f[2][0]))
    if 3 in f:
        parts.append("mechListMIC %d bytes" % (f[3][1] - f[3][0]))
    return ", ".join(parts) or "empty"


def samba_account(theirs):
    info = theirs.session_info().info
    return "%s\\%s" % (info.domain_name, info.account_name)


def case_client(lib, sb, plist, case, password=PASSWORD,
                ours_first=False):
    """A/B/D: our Negotiate client with PackageList plist -> Samba's
    SPNEGO server. Returns (ctx, server) when established, else None."""
    ident, keep = ex_identity(USER, DOMAIN, password, plist)
    cred = Cred(lib, "Negotiate", SECPKG_CRED_OUTBOUND, ident)
    if not check_st("%s: AcquireCredentialsHandleW(Negotiate, OUTBOUND, "
                    "PackageList \"%s\")" % (case, plist), cred.status,
                    SEC_E_OK):
        return None
    c = Ctx(lib)
    server = sb.server()
    st, t1 = isc(lib, c, cred, None)
    check("%s: ISC #1 CONTINUE with a NegTokenInit (%d bytes)"
          % (case, len(t1)), st == SEC_I_CONTINUE_NEEDED and t1,
          name_of(st))
    done, t2, err = samba_update(server, t1)
    if not check("%s: Samba server update #1 CONTINUE with a token (%d "
                 "bytes)" % (case, len(t2 or b"")), err is None and
                 done is False and t2, err or "finished %r" % done):
        return None
    st, t3 = isc(lib, c, cred, t2)
    two_legs = plist == "NTLM"
    if two_legs:
        ok = check("%s: ISC #2 SEC_E_OK with the AUTHENTICATE and "
                   "mechListMIC (%d bytes)" % (case, len(t3)),
                   st == SEC_E_OK and t3, name_of(st))
    else:
        ok = check("%s: ISC #2 CONTINUE with the AUTHENTICATE (%d bytes)"
                   % (case, len(t3)), st == SEC_I_CONTINUE_NEEDED and t3,
                   name_of(st))
    if not ok:
        return None
    f = neg_resp(t3) or {}
    if two_legs:
        check("%s: ISC #2's NegTokenResp holds the AUTHENTICATE and a "
              "16-byte mechListMIC" % case, 2 in f and 3 in f
              and f[3][1] - f[3][0] == 16, describe(t3))
    done, t4, err = samba_update(server, t3)
    if password != PASSWORD:
        check("%s: Samba server refuses the wrong password (%s)"
              % (case, (err or "")[:10]),
              err is not None and err.startswith(("0xC000006A",
                                                  "0xC000006D")),
              err or "accepted (finished %r)" % done)
        c.delete()
        cred.free()
        return None
    if not check("%s: Samba server update #2 finishes with its "
                 "mechListMIC (%d bytes)" % (case, len(t4 or b"")),
                 err is None and done is True and t4,
                 err or "finished %r, %d bytes" % (done, len(t4))):
        return None
    f = neg_resp(t4) or {}
    check("%s: Samba's final token: accept-completed and its mechListMIC"
          % case, 0 in f and tok_byte(t4, f[0]) == 0 and 3 in f,
          describe(t4))
    if not two_legs:
        st, t5 = isc(lib, c, cred, t4)
        if not check("%s: ISC #3 SEC_E_OK on Samba's final token, no "
                     "token out" % case, st == SEC_E_OK and not t5,
                     "%s, %d bytes" % (name_of(st), len(t5))):
            return None
    acct = samba_account(server)
    check("%s: Samba's session_info is %s\\%s" % (case, DOMAIN, USER),
          acct.upper() == ("%s\\%s" % (DOMAIN, USER)).upper(), acct)
    same_session_key(lib, c, server, case)
    messages(lib, c, server, case, "client", ours_first)
    c.delete()
    cred.free()
    return True


def case_server(lib, sb, case, password=PASSWORD):
    """C/D: Samba's SPNEGO client -> our Negotiate server."""
    cred = Cred(lib, "Negotiate", SECPKG_CRED_INBOUND)
    if not check_st("%s: AcquireCredentialsHandleW(Negotiate, INBOUND)"
                    % case, cred.status, SEC_E_OK):
        return
    client = sb.client(password)
    s = Ctx(lib)
    done, t1, err = samba_update(client, b"")
    if not check("%s: Samba client update #1: a NegTokenInit (%d bytes)"
                 % (case, len(t1 or b"")), err is None and not done and t1,
                 err or "finished %r" % done):
        return
    st, t2 = asc(lib, s, cred, t1)
    if not check("%s: ASC #1 CONTINUE with the CHALLENGE (%d bytes)"
                 % (case, len(t2)), st == SEC_I_CONTINUE_NEEDED and t2,
                 name_of(st)):
        return
    done, t3, err = samba_update(client, t2)
    if not check("%s: Samba client update #2: AUTHENTICATE and mechListMIC"
                 " (%d bytes), not finished" % (case, len(t3 or b"")),
                 err is None and done is False and t3,
                 err or "finished %r" % done):
        return
    st, t4 = asc(lib, s, cred, t3)
    if password != PASSWORD:
        check_st("%s: ASC #2 refuses the wrong password" % case, st,
                 SEC_E_LOGON_DENIED)
        s.delete()
        cred.free()
        return
    if not check("%s: ASC #2 SEC_E_OK with the server's mechListMIC (%d "
                 "bytes)" % (case, len(t4)), st == SEC_E_OK and t4,
                 name_of(st)):
        return
    f = neg_resp(t4) or {}
    check("%s: ASC #2's token: accept-completed and a 16-byte "
          "mechListMIC" % case, 0 in f and tok_byte(t4, f[0]) == 0
          and 3 in f and f[3][1] - f[3][0] == 16, describe(t4))
    done, t5, err = samba_update(client, t4)
    if not check("%s: Samba client update #3 accepts our mechListMIC and "
                 "finishes, nothing to send" % case,
                 err is None and done is True and not t5,
                 err or "finished %r, %d bytes" % (done, len(t5 or b""))):
        return
    st, name = query_names(lib, s)
    check("%s: QueryContextAttributesW(NAMES) is %s\\%s"
          % (case, DOMAIN, USER), st == SEC_E_OK and
          (name or "").upper() == ("%s\\%s" % (DOMAIN, USER)).upper(),
          "%s, %r" % (name_of(st), name))
    same_session_key(lib, s, client, case)
    messages(lib, s, client, case, "server")
    s.delete()
    cred.free()


def case_tampered_client_mic(lib, sb, case):
    """Our "NTLM" client's mechListMIC, one checksum byte changed: Samba's
    acceptor must refuse it (it does check the MIC)."""
    ident, keep = ex_identity(USER, DOMAIN, PASSWORD, "NTLM")
    cred = Cred(lib, "Negotiate", SECPKG_CRED_OUTBOUND, ident)
    c = Ctx(lib)
    server = sb.server()
    st, t1 = isc(lib, c, cred, None)
    done, t2, err = samba_update(server, t1)
    st2, t3 = isc(lib, c, cred, t2) if err is None else (None, b"")
    bad = flip_mic(t3)
    if check("%s: handshake up to ISC #2 (SEC_E_OK, a mechListMIC to "
             "change)" % case, err is None and st2 == SEC_E_OK and bad,
             err or "%s, %s" % (name_of(st2 or 0), describe(t3))):
        done, t4, err = samba_update(server, bad)
        check("%s: Samba's acceptor refuses the changed mechListMIC (%s)"
              % (case, (err or "")[:10]), err is not None,
              "finished %r" % done)
    c.delete()
    cred.free()


def case_tampered_mics_server(lib, sb, case):
    """Samba's client against our server: Samba's mechListMIC changed
    (our ASC #2 must refuse it), then ours changed (Samba's client must
    refuse it)."""
    for whose in ("Samba client's", "our server's"):
        cred = Cred(lib, "Negotiate", SECPKG_CRED_INBOUND)
        client = sb.client()
        s = Ctx(lib)
        done, t1, err = samba_update(client, b"")
        st, t2 = asc(lib, s, cred, t1) if err is None else (None, b"")
        done, t3, err2 = samba_update(client, t2) if st == \
            SEC_I_CONTINUE_NEEDED else (None, None, "no CHALLENGE")
        if not check("%s, %s mechListMIC changed: handshake up to the "
                     "AUTHENTICATE" % (case, whose),
                     err is None and err2 is None and t3,
                     err or err2 or name_of(st or 0)):
            continue
        if whose == "Samba client's":
            bad = flip_mic(t3)
            if check("%s: Samba client's token has a mechListMIC to change"
                     % case, bad is not None, describe(t3)):
                st, t4 = asc(lib, s, cred, bad)
                check("%s: our ASC #2 refuses Samba client's changed "
                      "mechListMIC (%s)" % (case, name_of(st)),
                      st not in (SEC_E_OK, SEC_I_CONTINUE_NEEDED),
                      "%s, %d bytes" % (name_of(st), len(t4)))
        else:
            st, t4 = asc(lib, s, cred, t3)
            bad = flip_mic(t4) if st == SEC_E_OK else None
            if check("%s: our ASC #2 SEC_E_OK with a mechListMIC to change"
                     % case, bad is not None,
                     "%s, %s" % (name_of(st), describe(t4))):
                done, t5, err = samba_update(client, bad)
                check("%s: Samba's client refuses our changed mechListMIC"
                      " (%s)" % (case, (err or "")[:10]), err is not None,
                      "finished %r" % done)
        s.delete()
        cred.free()


def main():
    if len(sys.argv) != 3:
        print("usage: samba_gensec.py LIBSSPIGSS DCDIR", file=sys.stderr)
        return 99
    if not os.environ.get("NTLM_USER_FILE"):
        print("samba_gensec: NTLM_USER_FILE is not set", file=sys.stderr)
        return 99
    lib = S.Lib(sys.argv[1])
    sb = Samba(sys.argv[2])
    case_client(lib, sb, "NTLM", "A (PackageList \"NTLM\" -> Samba)")
    case_client(lib, sb, "NTLM", "A2 (PackageList \"NTLM\" -> Samba, "
                "client's message first)", ours_first=True)
    case_client(lib, sb, "!Kerberos",
                "B (PackageList \"!Kerberos\" -> Samba)")
    case_server(lib, sb, "C (Samba client -> Negotiate server)")
    case_client(lib, sb, "NTLM", "D (wrong password, \"NTLM\" -> Samba)",
                password="not-alice-pw")
    case_server(lib, sb, "D (Samba client, wrong password -> Negotiate "
                "server)", password="not-alice-pw")
    case_tampered_client_mic(lib, sb, "E1 (changed mechListMIC, "
                             "\"NTLM\" -> Samba)")
    case_tampered_mics_server(lib, sb, "E2 (changed mechListMICs, Samba "
                              "client -> Negotiate server)")
    print("samba_gensec: %d passed, %d failed" % (S.passed, S.failed))
    return 1 if S.failed else 0


if __name__ == "__main__":
    sys.exit(main())
