CREATE TABLE t544 (id bigint PRIMARY KEY, name text NOT NULL);
