/**
 * The dashboard's GPU panel and the workers' GPU column (SPEC §11, §15) in a real headless
 * Chromium, on the NVML stand-in (test/gpu/nvml-standin.c, compiled by the helper: this
 * machine has no GPU; everything above the dlopen is gaia's real code): the device's name,
 * memory, utilization, temperature and power as gaia read them, and the processes on it named
 * by their worker. Over the Unix socket, through a plain TCP forward, so no sign-in.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { forwardToUnix, launchBrowser, type Browser } from "./helpers/browser.ts";
import { Gaia } from "./helpers/gaia.ts";
import { device, gpuProcess, Standin } from "./helpers/nvml-standin.ts";

declare const document: any;

const GIB = 1024 ** 3;
const UUID = "GPU-00000000-1111-2222-3333-444444444444";
const standin = new Standin();
let gaia: Gaia;
let browser: Browser;
let forward: ReturnType<typeof forwardToUnix>;

beforeAll(async () => {
  const library = standin.build();
  standin.write([device({ index: 0, uuid: UUID, name: "Stand-in GPU", total: 80 * GIB, used: 20 * GIB, util: [37, 5], temp: 41, power_mw: 123_000 })]);
  gaia = await Gaia.start({
    config: { gpu: { sample_ms: 100 }, pools: [{ name: "gpu", gpus: "all", size: 1 }] },
    env: { GAIA_NVML_LIBRARY: library, GAIA_NVML_STANDIN_FILE: standin.file },
  });
  const worker = (await gaia.workers())[0];
  standin.write([device({ index: 0, uuid: UUID, name: "Stand-in GPU", total: 80 * GIB, used: 20 * GIB, util: [37, 5], temp: 41, power_mw: 123_000 }), gpuProcess(0, worker.pid, 3 * GIB)]);
  await gaia.until("the process in the sample", async () => (await gaia.request("GET", "/v1/gpus")).body.gpus[0]?.processes?.length === 1);
  forward = forwardToUnix(gaia.socket);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  forward?.stop();
  await gaia?.stop();
  standin.remove();
});

test("the GPU panel shows the device as gaia read it, its process named by worker; the worker shows its device", async () => {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${forward.port}/ui/`);
  await page.waitForFunction(() => document.querySelector(`[data-panel="gpus"] td`) !== null, null, { timeout: 15_000 });
  const cells = await page.$$eval(`[data-panel="gpus"] tbody td`, (tds: any[]) => tds.map((td) => td.textContent));
  expect(cells).toEqual(["0", "Stand-in GPU", "20.0 GiB / 80.0 GiB", "37%", "41 °C", "123 W", "gpu-0 3.00 GiB"]);
  const worker = await page.$$eval(`[data-worker="gpu-0"] td`, (tds: any[]) => tds.map((td) => td.textContent));
  expect(worker[9]).toBe("#0"); // the GPUs column
});
