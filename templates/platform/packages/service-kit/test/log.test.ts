import { expect, it } from "vitest";
import { safeView } from "../src";

it("safeView keeps only allow-listed fields", () => {
  const patient = { id: "p-1", brandId: "brand-a", name: "Ada Lovelace", dateOfBirth: "1815-12-10" };
  expect(safeView(patient, ["id", "brandId"])).toEqual({ id: "p-1", brandId: "brand-a" });
});
