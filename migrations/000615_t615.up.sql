CREATE TABLE t615 (id bigint PRIMARY KEY, name text NOT NULL);
