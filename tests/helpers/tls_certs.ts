/**
 * Throwaway certificates for TLS tests, made with `openssl` at run time (nothing secret is
 * committed): a test CA and a server certificate it signed for `localhost`, `127.0.0.1` and
 * `::1`. Deno alone cannot make certificates, so tests that need them are ignored, with the
 * reason in their name, where openssl is missing.
 *
 * @module
 */

/** One CA and the server certificate it signed, as files and as PEM text. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The CA certificate's PEM, for `Deno.connectTls({ caCerts })`. */
  caPem: string;
}

/** Whether `openssl` runs here. */
export async function hasOpenssl(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("openssl", {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** The reason a TLS test is ignored, or "" when openssl is there. */
export async function opensslMissingReason(): Promise<string> {
  return await hasOpenssl()
    ? ""
    : " [IGNORED: openssl is not installed, and Deno cannot make certificates]";
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args,
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/**
 * Makes a CA and a server certificate in `dir` (a new temporary directory when not given),
 * with file names starting with `name`. EC P-256 keys: fast to make.
 */
export async function makeCertificates(
  name = "test",
  dir?: string,
): Promise<TestCertificates> {
  const where = dir ?? await Deno.makeTempDir({ prefix: "chat-tls-" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(where, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    `${name}-ca.key`,
    "-out",
    `${name}-ca.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=chat ${name} test CA`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await openssl(where, [
    "req",
    ...ec,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    `${where}/${name}.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await openssl(where, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${name}-ca.pem`,
    "-CAkey",
    `${name}-ca.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
  return {
    dir: where,
    caFile: `${where}/${name}-ca.pem`,
    certFile: `${where}/${name}.pem`,
    keyFile: `${where}/${name}.key`,
    caPem: await Deno.readTextFile(`${where}/${name}-ca.pem`),
  };
}

/** A self-signed client certificate, and its SHA-256 fingerprint as openssl prints it. */
export interface ClientCertificate {
  cert: string;
  key: string;
  /** `AB:CD:…`, from `openssl x509 -fingerprint -sha256`. */
  fingerprint: string;
}

/** Makes a self-signed client certificate (CN `name`) in `dir`: what SASL EXTERNAL users hold. */
export async function makeClientCertificate(dir: string, name: string): Promise<ClientCertificate> {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}-client.key`,
    "-out",
    `${name}-client.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  ]);
  const { stdout } = await new Deno.Command("openssl", {
    args: ["x509", "-in", `${name}-client.pem`, "-noout", "-fingerprint", "-sha256"],
    cwd: dir,
    stdout: "piped",
    stderr: "null",
  }).output();
  const fingerprint = new TextDecoder().decode(stdout).trim().split("=")[1]!;
  return {
    cert: await Deno.readTextFile(`${dir}/${name}-client.pem`),
    key: await Deno.readTextFile(`${dir}/${name}-client.key`),
    fingerprint,
  };
}
