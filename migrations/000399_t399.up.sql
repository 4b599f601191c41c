CREATE TABLE t399 (id bigint PRIMARY KEY, name text NOT NULL);
