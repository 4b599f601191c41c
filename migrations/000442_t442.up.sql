CREATE TABLE t442 (id bigint PRIMARY KEY, name text NOT NULL);
