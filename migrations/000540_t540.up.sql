CREATE TABLE t540 (id bigint PRIMARY KEY, name text NOT NULL);
