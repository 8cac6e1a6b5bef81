import "reflect-metadata";
import { requiredRule, Requires } from "../../../src/authorization/requires";
import { rules } from "../../../src/authorization/rules";

class Parent {
  @Requires(rules.readUserPrivate)
  secret!: string;

  open!: string;

  @Requires(rules.listUsers)
  list(): string[] {
    return [];
  }
}

class Child extends Parent {}

describe("Requires", () => {
  it("records the rule of each member, by class", () => {
    expect(requiredRule(Parent, "secret")).toBe(rules.readUserPrivate);
    expect(requiredRule(Parent, "list")).toBe(rules.listUsers);
    expect(requiredRule(Parent, "open")).toBeUndefined();
  });

  it("finds the rule of a member a subclass inherits", () => {
    expect(requiredRule(Child, "secret")).toBe(rules.readUserPrivate);
  });

  it("refuses two rules on one member rather than keep either", () => {
    expect(() => {
      class Twice {
        @Requires(rules.signedIn)
        @Requires(rules.listUsers)
        field!: string;
      }
      return Twice;
    }).toThrow("Twice.field has more than one @Requires");
  });
});
