Feature: Customer registration
  As a kiosk
  I can register the customers who shop with us

  Scenario: Registering a new customer
    Given I am a kiosk
    When I register the customer "John Smith" with SMS number "555-555-1212"
    Then the customer "John Smith" can be found, enabled

  Scenario: An SMS number is required
    Given I am a kiosk
    When I register the customer "John Smith" with SMS number ""
    Then the request fails with 400 "the SMS number cannot be blank"
