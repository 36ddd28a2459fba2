Feature: Kiosk shopping
  As a customer at a kiosk
  I can shop from many stores in one basket

  Background:
    Given I am a kiosk
    And the customer "Ada" is registered
    And "Ada" has started a basket

  Scenario: One basket, two stores
    Given the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    And the store "Waldorf Books" sells "Spellbook" at 24.50
    When "Ada" adds 1 "Wizard w/ crystal" to the basket
    And "Ada" adds 2 "Spellbook" to the basket
    Then the basket totals 58.99 across 2 stores

  Scenario: A cancelled basket cannot be changed
    Given the store "Nic & Naks" sells "Wizard w/ crystal" at 9.99
    When "Ada" cancels the basket
    And "Ada" tries to add 1 "Wizard w/ crystal" to the basket
    Then the request fails with 400 "the basket cannot be modified"
