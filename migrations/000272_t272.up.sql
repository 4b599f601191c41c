CREATE TABLE t272 (id bigint PRIMARY KEY, name text NOT NULL);
