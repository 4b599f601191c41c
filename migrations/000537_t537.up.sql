CREATE TABLE t537 (id bigint PRIMARY KEY, name text NOT NULL);
