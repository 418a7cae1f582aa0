/** The array (SPEC §6) and schedule (SPEC §10) operations. */
import { AllocateBody, AllocatedArray, ArrayInfo, ArrayList, DeletedArray, RawArrayQuery } from "../shapes/arrays.ts";
import { ARRAY_NAME, SCHEDULE_NAME_PARAM } from "../shapes/params.ts";
import { Schedule, ScheduleBody, ScheduleDeleted, ScheduleList, ScheduleRun } from "../shapes/schedules.ts";
import { json, JSON_TYPE, type Operation } from "./operation.ts";

const NPY = "application/x-npy";
const BYTES = "application/octet-stream";
const arrayName = { name: ARRAY_NAME };
const scheduleName = { name: SCHEDULE_NAME_PARAM };

export const arrayOperations: Operation[] = [
  { method: "get", path: "/v1/arrays", id: "listArrays", tag: "arrays", summary: "every array, with the bytes in use, spare bytes and the cap", answers: { 200: json(ArrayList, "the arrays") }, errors: [] },
  {
    method: "post", path: "/v1/arrays", id: "createArray", tag: "arrays", query: RawArrayQuery,
    summary: "upload an array (raw bytes with ?dtype=&shape=, or a .npy file), or allocate one in place (JSON {dtype, shape}, no bytes)",
    description: "Which one is told by the Content-Type (application/x-npy) and the query (?dtype=&shape= is a raw upload, whatever the Content-Type); uploads are bounded by arrays.max_bytes (507), not by control.max_body_mb.",
    body: { content: { [JSON_TYPE]: AllocateBody, [BYTES]: null, [NPY]: null }, required: false },
    answers: { 201: json([AllocatedArray, ArrayInfo], "the array (an allocation with the path of its file)") },
    errors: [400, 413, 507],
  },
  {
    method: "get", path: "/v1/arrays/:name", id: "getArray", tag: "arrays", params: arrayName,
    summary: "the array's bytes (little-endian, C order), or a .npy file with Accept: application/x-npy",
    answers: { 200: { description: "the bytes", content: [BYTES, NPY], headers: { "X-Gaia-Dtype": "its dtype", "X-Gaia-Shape": "its shape, comma-separated", "X-Gaia-Name": "its name" } } },
    errors: [400, 404],
  },
  {
    method: "delete", path: "/v1/arrays/:name", id: "deleteArray", tag: "arrays", params: arrayName, summary: "delete an array that no queued or running job names",
    answers: { 200: json(DeletedArray, "deleted") }, errors: [400, 404, 409],
  },
];

export const scheduleOperations: Operation[] = [
  { method: "get", path: "/v1/schedules", id: "listSchedules", tag: "schedules", summary: "every schedule, the config's and the API's", answers: { 200: json(ScheduleList, "the schedules") }, errors: [] },
  { method: "get", path: "/v1/schedules/:name", id: "getSchedule", tag: "schedules", params: scheduleName, summary: "a schedule", answers: { 200: json(Schedule, "the schedule") }, errors: [400, 404] },
  {
    method: "put", path: "/v1/schedules/:name", id: "putSchedule", tag: "schedules", params: scheduleName, body: { content: { [JSON_TYPE]: ScheduleBody }, required: true },
    summary: "create (201) or replace (200) a schedule; the config's are refused (409)",
    answers: { 200: json(Schedule, "replaced"), 201: json(Schedule, "created") }, errors: [400, 409, 413],
  },
  {
    method: "delete", path: "/v1/schedules/:name", id: "deleteSchedule", tag: "schedules", params: scheduleName, summary: "remove a schedule (its jobs stay); the config's are refused (409)",
    answers: { 200: json(ScheduleDeleted, "removed") }, errors: [400, 404, 409],
  },
  {
    method: "post", path: "/v1/schedules/:name/run", id: "runSchedule", tag: "schedules", params: scheduleName, summary: "run now, paused or not (409 while an overlap = skip run is still queued or running)",
    answers: { 202: json(ScheduleRun, "the job the run made") }, errors: [400, 404, 409, 429, 503],
  },
  {
    method: "post", path: "/v1/schedules/:name/pause", id: "pauseSchedule", tag: "schedules", params: scheduleName, summary: "no runs until resumed; outlives restarts",
    answers: { 200: json(Schedule, "paused") }, errors: [400, 404],
  },
  {
    method: "post", path: "/v1/schedules/:name/resume", id: "resumeSchedule", tag: "schedules", params: scheduleName, summary: "run again; the next run is computed from now",
    answers: { 200: json(Schedule, "resumed") }, errors: [400, 404],
  },
];
