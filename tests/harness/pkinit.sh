#!/bin/sh
# pkinit.sh - certificate logon (PKINIT) for the realm of kdc.sh.
#
#   . tests/harness/kdc.sh
#   . tests/harness/pkinit.sh
#   kdc_start DIR && pkinit_setup DIR && kdc_restart DIR
#
# pkinit_setup DIR makes, under DIR/pki, with the openssl CLI only:
#   ca.pem          the users' CA (trusted by the KDC)
#   ca2.pem         a second users' CA the KDC trusts without its CRL
#   rogue.pem       a users' CA the KDC does not trust
#   kdcca.pem       the CA of the KDC's certificate (clients trust it)
#   kdc.pem/.key    the KDC's certificate, from kdcca: EKU
#                   id-pkinit-KPKdc, SAN krbtgt/SSPIGSS.TEST@SSPIGSS.TEST
#                   (RFC 4556 3.2.4)
#   crl.pem         ca.pem's CRL, revoking alice-revoked (the KDC's)
#   crl-kdc.pem     kdcca.pem's CRL, revoking the KDC's certificate
# (MIT's client builds its own certificate's chain from its anchors
# before it sends it, so the clients trust all the users' CAs; which one
# the KDC trusts decides.)
# and client certificates (EKU id-pkinit-KPClientAuth, SAN id-pkinit-san
# naming the principal, RFC 4556 3.2.2), each also as NAME.pem/NAME.key:
#   alice           good
#   alice-expired   valid 2020-2021 only
#   alice-revoked   revoked in crl.pem
#   alice-rogue     issued by rogue.pem
#   alice-ca2       issued by ca2.pem
#   alice-noeku     no id-pkinit-KPClientAuth (TLS client EKU only)
#   carol-upn       only a Microsoft UPN SAN (carol@SSPIGSS.TEST), which
#                   an MIT KDC does not honour unless pkinit_allow_upn
#   alice-file      good, not in the token: DIR/pki/my/alice-file.pem
#                   (certificate and key), the personal file store
# It stores every client certificate and key in a SoftHSM2 token
# (label "sspigss", user PIN 1234, SO PIN 5678; DIR/softhsm2.conf,
# tokens in DIR/tokens; DIR/softhsm2-empty.conf has none: the card
# taken out), object ids 01, 02, ... in the order above
# (DIR/pki/NAME.id; the certificate's SHA-1 hash, in hex, the one a
# marshaled CertCredential carries, in DIR/pki/NAME.sha1), adds principals alice (already there), carol and
# hwauth (+requires_hwauth, password hwauth-pw-1), writes the KDC's
# PKINIT settings into DIR/kdc.conf and the client's into DIR/krb5.conf,
# plus client profiles DIR/krb5-pkinit-*.conf (below), and adds to
# DIR/env: SOFTHSM2_CONF, SSPIGSS_PKCS11_MODULE, SSPIGSS_PKINIT_DIR.
# The KDC must be restarted to read its new settings.
#
# Client profiles (DIR/krb5.conf plus [libdefaults] lines):
#   krb5-pkinit-untrusted.conf  pkinit_anchors without kdcca
#   krb5-pkinit-kdcrevoked.conf pkinit_revoke = crl-kdc.pem
#   krb5-pkinit-crlreq.conf     pkinit_require_crl_checking, no CRL

PKINIT_MODULE=${PKINIT_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
PKINIT_PIN=1234

pkinit_openssl_conf() {  # pkinit_openssl_conf DIR: openssl ca config
    cat > "$1/openssl.cnf" <<'CONF'
[ca]
default_ca = ca_default

[ca_default]
dir = $ENV::PKI_CA_DIR
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/new
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none

[policy_any]
commonName = supplied

[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused

[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[kdc_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = 1.3.6.1.5.2.3.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:kdc_name
[kdc_name]
realm = EXP:0,GeneralString:$ENV::PKI_REALM
principal_name = EXP:1,SEQUENCE:kdc_pn
[kdc_pn]
name_type = EXP:0,INTEGER:2
name_string = EXP:1,SEQUENCE:kdc_parts
[kdc_parts]
p1 = GeneralString:krbtgt
p2 = GeneralString:$ENV::PKI_REALM

[client_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = 1.3.6.1.5.2.3.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:client_name
[client_noeku_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.5.2.2;SEQUENCE:client_name
[client_name]
realm = EXP:0,GeneralString:$ENV::PKI_REALM
principal_name = EXP:1,SEQUENCE:client_pn
[client_pn]
name_type = EXP:0,INTEGER:1
name_string = EXP:1,SEQUENCE:client_parts
[client_parts]
p1 = GeneralString:$ENV::PKI_USER

[upn_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature,keyEncipherment,keyAgreement
extendedKeyUsage = 1.3.6.1.5.2.3.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:$ENV::PKI_USER@$ENV::PKI_REALM
CONF
}

# pkinit_ca PKI NAME: a self-signed CA in PKI/NAME (its database) and
# PKI/NAME.pem.
pkinit_ca() {
    mkdir -p "$1/$2/new" &&
    : > "$1/$2/index.txt" &&
    echo 01 > "$1/$2/serial" &&
    echo 01 > "$1/$2/crlnumber" &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
        -config "$1/openssl.cnf" -extensions ca_ext \
        -subj "/CN=sspigss test $2" -keyout "$1/$2/key.pem" \
        -out "$1/$2.pem" >/dev/null 2>&1
}

# pkinit_issue PKI CA NAME EXT USER [START END]: PKI/NAME.pem + .key,
# signed by CA with extensions EXT, principal USER.
pkinit_issue() {
    _pi_dates=
    [ -n "${6:-}" ] && _pi_dates="-startdate $6 -enddate $7"
    openssl req -newkey rsa:2048 -nodes -config "$1/openssl.cnf" \
        -subj "/CN=$3" -keyout "$1/$3.key" -out "$1/$3.csr" \
        >/dev/null 2>&1 &&
    PKI_CA_DIR=$1/$2 PKI_USER=$5 openssl ca -batch -notext \
        -config "$1/openssl.cnf" -cert "$1/$2.pem" -keyfile "$1/$2/key.pem" \
        -extensions "$4" $_pi_dates -in "$1/$3.csr" -out "$1/$3.pem" \
        >/dev/null 2>&1
}

pkinit_setup() {
    _ps_dir=$1
    _ps_pki=$_ps_dir/pki
    mkdir -p "$_ps_pki" "$_ps_dir/tokens" || return 1
    PKI_REALM=$KDC_REALM
    PKI_USER=unused
    PKI_CA_DIR=$_ps_pki/ca
    export PKI_REALM PKI_USER PKI_CA_DIR
    pkinit_openssl_conf "$_ps_pki"
    for _ps_ca in ca ca2 rogue kdcca; do
        pkinit_ca "$_ps_pki" $_ps_ca ||
            { echo "pkinit: CA $_ps_ca failed" >&2; return 1; }
    done
    # The KDC's certificate ends in two days: a client whose clock runs
    # days ahead (libfaketime) finds it expired, which the KDC itself
    # would not (it refuses to sign with an expired certificate).
    _ps_start=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
    _ps_end=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
    pkinit_issue "$_ps_pki" kdcca kdc kdc_ext unused "$_ps_start" "$_ps_end" &&
    pkinit_issue "$_ps_pki" ca alice client_ext alice &&
    pkinit_issue "$_ps_pki" ca alice-expired client_ext alice \
        20200101000000Z 20210101000000Z &&
    pkinit_issue "$_ps_pki" ca alice-revoked client_ext alice &&
    pkinit_issue "$_ps_pki" rogue alice-rogue client_ext alice &&
    pkinit_issue "$_ps_pki" ca2 alice-ca2 client_ext alice &&
    pkinit_issue "$_ps_pki" ca alice-noeku client_noeku_ext alice &&
    pkinit_issue "$_ps_pki" ca carol-upn upn_ext carol &&
    pkinit_issue "$_ps_pki" ca alice-file client_ext alice ||
        { echo "pkinit: issuing certificates failed" >&2; return 1; }
    # CRLs: ca's for the KDC (alice-revoked), kdcca's for clients that
    # are to find the KDC's certificate revoked.
    _ps_ca="-config $_ps_pki/openssl.cnf -cert $_ps_pki/ca.pem"
    _ps_ca="$_ps_ca -keyfile $_ps_pki/ca/key.pem"
    _ps_kca="-config $_ps_pki/openssl.cnf -cert $_ps_pki/kdcca.pem"
    _ps_kca="$_ps_kca -keyfile $_ps_pki/kdcca/key.pem"
    openssl ca $_ps_ca -revoke "$_ps_pki/alice-revoked.pem" \
        >/dev/null 2>&1 &&
    openssl ca $_ps_ca -gencrl -out "$_ps_pki/crl.pem" >/dev/null 2>&1 &&
    PKI_CA_DIR=$_ps_pki/kdcca openssl ca $_ps_kca \
        -revoke "$_ps_pki/kdc.pem" >/dev/null 2>&1 &&
    PKI_CA_DIR=$_ps_pki/kdcca openssl ca $_ps_kca -gencrl \
        -out "$_ps_pki/crl-kdc.pem" >/dev/null 2>&1 ||
        { echo "pkinit: CRLs failed" >&2; return 1; }

    # The SoftHSM2 token.
    cat > "$_ps_dir/softhsm2.conf" <<CONF
directories.tokendir = $_ps_dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
    # The same module with no token at all: the card taken out.
    mkdir -p "$_ps_dir/notokens"
    sed "s|$_ps_dir/tokens|$_ps_dir/notokens|" "$_ps_dir/softhsm2.conf" \
        > "$_ps_dir/softhsm2-empty.conf"
    SOFTHSM2_CONF=$_ps_dir/softhsm2.conf
    export SOFTHSM2_CONF
    softhsm2-util --init-token --free --label sspigss --pin $PKINIT_PIN \
        --so-pin 5678 >/dev/null 2>&1 ||
        { echo "pkinit: softhsm2-util --init-token failed" >&2; return 1; }
    _ps_id=0
    for _ps_n in alice alice-expired alice-revoked alice-rogue alice-ca2 \
                 alice-noeku carol-upn; do
        _ps_id=$((_ps_id + 1))
        _ps_hex=$(printf '%02x' $_ps_id)
        echo "$_ps_hex" > "$_ps_pki/$_ps_n.id"
        openssl x509 -in "$_ps_pki/$_ps_n.pem" -outform DER \
            -out "$_ps_pki/$_ps_n.der" &&
        openssl x509 -in "$_ps_pki/$_ps_n.pem" -noout -fingerprint -sha1 |
            sed 's/.*=//; s/://g' > "$_ps_pki/$_ps_n.sha1" &&
        openssl pkcs8 -topk8 -nocrypt -in "$_ps_pki/$_ps_n.key" \
            -out "$_ps_pki/$_ps_n.p8" &&
        softhsm2-util --import "$_ps_pki/$_ps_n.p8" --token sspigss \
            --label "$_ps_n" --id "$_ps_hex" --pin $PKINIT_PIN \
            >/dev/null 2>&1 &&
        pkcs11-tool --module "$PKINIT_MODULE" --token-label sspigss \
            --login --pin $PKINIT_PIN --write-object "$_ps_pki/$_ps_n.der" \
            --type cert --id "$_ps_hex" --label "$_ps_n" >/dev/null 2>&1 ||
            { echo "pkinit: storing $_ps_n in the token failed" >&2
              return 1; }
    done

    # alice-file: not in the token, in the personal file store
    # (SSPIGSS_CERT_STORE_MY, docs/crypt32.md): certificate and key in
    # one PEM file.
    mkdir -p "$_ps_pki/my" &&
    cat "$_ps_pki/alice-file.pem" "$_ps_pki/alice-file.key" \
        > "$_ps_pki/my/alice-file.pem" &&
    openssl x509 -in "$_ps_pki/alice-file.pem" -noout -fingerprint -sha1 |
        sed 's/.*=//; s/://g' > "$_ps_pki/alice-file.sha1" ||
        return 1

    # Principals.
    kdc_admin "$_ps_dir" "addprinc -pw carol-pw-1 +requires_preauth carol" &&
    kdc_admin "$_ps_dir" \
        "addprinc -pw hwauth-pw-1 +requires_preauth +requires_hwauth hwauth" ||
        return 1

    # The KDC: its identity, the CAs it trusts (ca and ca2), ca's CRL;
    # CRL checking required, so ca2's certificates (no CRL) are refused.
    # (kdcca too: the KDC builds its own chain from its anchors.)
    cat "$_ps_pki/ca.pem" "$_ps_pki/ca2.pem" "$_ps_pki/kdcca.pem" \
        > "$_ps_pki/kdc-anchors.pem"
    sed -i "/supported_enctypes/a\\
        pkinit_identity = FILE:$_ps_pki/kdc.pem,$_ps_pki/kdc.key\\
        pkinit_anchors = FILE:$_ps_pki/kdc-anchors.pem\\
        pkinit_revoke = FILE:$_ps_pki/crl.pem\\
        pkinit_require_crl_checking = true\\
        pkinit_eku_checking = kpClientAuth" "$_ps_dir/kdc.conf"
    # ... and accepts requests from such a client (ten days of skew).
    printf '[libdefaults]\n    clockskew = 864000\n' >> "$_ps_dir/kdc.conf"
    # The clients: the users' CAs (their own chains) and kdcca (the
    # KDC's); the KDC's certificate names the realm's krbtgt.
    cat "$_ps_pki/ca.pem" "$_ps_pki/ca2.pem" "$_ps_pki/rogue.pem" \
        > "$_ps_pki/users.pem"
    cat "$_ps_pki/users.pem" "$_ps_pki/kdcca.pem" > "$_ps_pki/anchors.pem"
    _ps_lib="    pkinit_anchors = FILE:$_ps_pki/anchors.pem
    pkinit_eku_checking = kpKDC"
    pkinit_profile "$_ps_dir" "" "$_ps_lib"
    mv "$_ps_dir/krb5-pkinit-.conf" "$_ps_dir/krb5.conf"
    pkinit_profile "$_ps_dir" untrusted \
"    pkinit_anchors = FILE:$_ps_pki/users.pem"
    pkinit_profile "$_ps_dir" kdcrevoked \
"$_ps_lib
    pkinit_revoke = FILE:$_ps_pki/crl-kdc.pem"
    pkinit_profile "$_ps_dir" crlreq \
"$_ps_lib
    pkinit_require_crl_checking = true"
    cat >> "$_ps_dir/env" <<ENV
SOFTHSM2_CONF='$_ps_dir/softhsm2.conf'
SSPIGSS_PKCS11_MODULE='$PKINIT_MODULE'
SSPIGSS_PKINIT_DIR='$_ps_pki'
export SOFTHSM2_CONF SSPIGSS_PKCS11_MODULE SSPIGSS_PKINIT_DIR
ENV
}

# pkinit_profile DIR NAME LINES: DIR/krb5-pkinit-NAME.conf, the realm's
# client profile without its pkinit lines, plus LINES in [libdefaults].
pkinit_profile() {
    printf '%s\n' "$3" > "$1/krb5-pkinit-$2.add"
    grep -v '^ *pkinit_' "$1/krb5.conf" |
        sed "/^\[libdefaults\]/r $1/krb5-pkinit-$2.add" \
        > "$1/krb5-pkinit-$2.conf"
    rm -f "$1/krb5-pkinit-$2.add"
}
