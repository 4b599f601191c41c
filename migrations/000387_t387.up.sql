CREATE TABLE t387 (id bigint PRIMARY KEY, name text NOT NULL);
