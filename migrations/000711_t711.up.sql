CREATE TABLE t711 (id bigint PRIMARY KEY, name text NOT NULL);
