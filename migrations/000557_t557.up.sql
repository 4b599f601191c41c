CREATE TABLE t557 (id bigint PRIMARY KEY, name text NOT NULL);
